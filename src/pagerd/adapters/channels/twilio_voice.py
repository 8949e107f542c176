"""Voice pages through Twilio's Calls API (httpx, synchronous).

One form POST places the call: `To`, `From` (the caller id), `Twiml` (the words, and a
one-digit Gather whose action is pagerd's keypress URL), `StatusCallback` (pagerd's status
URL: how the call ended) and asynchronous answering-machine detection reporting to the same
URL (a voicemail is not a person). Twilio's acceptance (201, `{"sid", "status": "queued"}`)
is a delivered attempt; whether anybody picked up arrives later at the status URL.
Everything the call needs comes in the page: this sender does I/O only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from pagerd.adapters.channels.twilio import (
    DEFAULT_API_BASE,
    DEFAULT_TIMEOUT,
    account_url,
    post_twilio_form,
)
from pagerd.adapters.channels.twiml import call_twiml
from pagerd.adapters.channels.voice_urls import VoiceCallUrls
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage

if TYPE_CHECKING:
    import httpx

RING_SECONDS = 30
"""How long the phone rings before Twilio reports no-answer."""


@dataclass(frozen=True)
class TwilioVoiceConfig:
    """The Twilio account and its credentials, the caller id of calls, and pagerd's public
    URL (where Twilio calls back); `api_base` is replaceable for tests."""

    account_sid: str
    auth_token: str
    caller_id: str
    public_url: str
    api_base: str = DEFAULT_API_BASE
    timeout: float = DEFAULT_TIMEOUT

    @property
    def calls_url(self) -> str:
        """`{api_base}/2010-04-01/Accounts/{sid}/Calls.json`."""
        return account_url(self, "Calls")


class TwilioVoiceSender:
    """Implements the Sender port for voice calls."""

    def __init__(self, config: TwilioVoiceConfig, client: httpx.Client | None = None) -> None:
        self._config = config
        self._urls = VoiceCallUrls(config.public_url)
        if client is None:
            import httpx  # only when Twilio calls are configured: see guarded_transport

            client = httpx.Client(timeout=config.timeout, trust_env=False)
        self._client = client

    def send(self, page: OutgoingPage) -> DeliveryResult:
        form = partial(self.call_form, page)
        return post_twilio_form(self._client, self._config, "Calls", form, "call")

    def call_form(self, page: OutgoingPage) -> dict[str, str]:
        """The Calls.json form of the call placed for `page`."""
        form = {
            "To": page.address,
            "From": self._config.caller_id,
            "Twiml": call_twiml(page, self._urls.gather(page)),
            "Timeout": str(RING_SECONDS),
        }
        if page.items[0].is_test:
            return form  # a test call: nobody needs to know how it ended
        status = self._urls.status(page)
        form |= {
            "StatusCallback": status,
            "StatusCallbackMethod": "POST",
            "MachineDetection": "Enable",
            "AsyncAmd": "true",
            "AsyncAmdStatusCallback": status,
            "AsyncAmdStatusCallbackMethod": "POST",
        }
        return form

    def close(self) -> None:
        """Release pooled connections."""
        self._client.close()
