"""Notification channels and the rules for their addresses."""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

# fullmatch, not match: `$` would accept a trailing newline.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# A Slack member id: U or W, then upper-case letters and digits (U0123ABCD).
_SLACK_MEMBER = re.compile(r"[UW][A-Z0-9]{2,20}")
_MAX_EMAIL = 254
_MAX_URL = 2048
_NOT_A_URL = "must be an absolute http:// or https:// URL"


class Channel(StrEnum):
    """How a target is reached. The value is the target `type` on the API."""

    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"
    VOICE = "voice"
    SLACK = "slack"
    TEAMS = "teams"

    @property
    def address_field(self) -> str:
        """The name of the field that carries this channel's address on the API."""
        return _ADDRESS_FIELDS[self]


_ADDRESS_FIELDS = {
    Channel.EMAIL: "email",
    Channel.SMS: "phone_number",
    Channel.WEBHOOK: "url",
    Channel.VOICE: "phone_number",
    Channel.SLACK: "member_id",
    Channel.TEAMS: "url",
}

POLICY_ADDRESS_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK, Channel.TEAMS)
"""The channels a policy may page directly by address (Teams: a channel's workflow URL).
Voice and Slack reach people only through their contact methods (a policy pages the
person: a `user` target)."""

URL_CHANNELS = (Channel.WEBHOOK, Channel.TEAMS)
"""Channels whose address is a URL that pagerd POSTs to: under the same network guard."""


def address_problem(channel: Channel, address: str) -> str | None:
    """Return why `address` cannot be used on `channel`, or None when it can."""
    if channel is Channel.EMAIL:
        if len(address) > _MAX_EMAIL or not _EMAIL.fullmatch(address):
            return "must be an e-mail address such as oncall@example.com"
        return None
    if channel in (Channel.SMS, Channel.VOICE):
        if not _E164.fullmatch(address):
            return "must be an E.164 phone number such as +5492664295169"
        return None
    if channel is Channel.SLACK:
        if not _SLACK_MEMBER.fullmatch(address):
            return "must be a Slack member id such as U0123ABCD"
        return None
    return _url_problem(address)


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:  # for example an unclosed IPv6 bracket: "http://[::1/x"
        return _NOT_A_URL
    if (
        len(url) > _MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in url)
    ):
        return _NOT_A_URL
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of 0..65535
    except ValueError:
        return "has a port out of range (1 to 65535)"
    if parts.port == 0:
        return "has a port out of range (1 to 65535)"
    if parts.username is not None or parts.password is not None:
        # They would be shown wherever the policy is, and sent on every page.
        return "must not contain a user name or password; authenticate with the signature"
    return None
