"""Where Twilio calls pagerd back about a voice call: the keypress and the call's status.

Both URLs live under PAGERD_PUBLIC_URL and name the notifications the call carries
(`?n=<id>,<id>`). Twilio signs every callback over the whole URL, query included, with the
account's auth token, so a callback can only name what pagerd itself put in a call.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from pagerd.service_layer.paging import OutgoingPage

GATHER_PATH = "/integrations/twilio/voice/gather"
STATUS_PATH = "/integrations/twilio/voice/status"
IDS_PARAMETER = "n"
MAX_IDS = 20


class VoiceCallUrls:
    """Builds a call's callback URLs from the public base URL."""

    def __init__(self, public_url: str) -> None:
        self._base = public_url.rstrip("/")

    def gather(self, page: OutgoingPage) -> str:
        """The keypress URL of the call placed for `page`."""
        return self._url(GATHER_PATH, page)

    def status(self, page: OutgoingPage) -> str:
        """The status callback URL of the call placed for `page`."""
        return self._url(STATUS_PATH, page)

    def _url(self, path: str, page: OutgoingPage) -> str:
        ids = ",".join(str(item.notification_id) for item in page.items[:MAX_IDS])
        return f"{self._base}{path}?{IDS_PARAMETER}={ids}"


def parse_ids(value: str) -> Sequence[UUID] | None:
    """The notification ids of a callback's `n` parameter; None when it is malformed."""
    parts = [p for p in value.split(",") if p]
    if not parts or len(parts) > MAX_IDS:
        return None
    try:
        return [UUID(p) for p in parts]
    except ValueError:
        return None
