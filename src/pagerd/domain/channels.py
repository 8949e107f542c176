"""Notification channels: the registry of channel kinds and the rules for their addresses.

Every channel kind is declared once, here, by `register_channel`: its name (the target
`type` on the API), the field that carries its address, its label, an example address, how
an address is checked, whether a policy may page it by address, and whether its pages carry
an SMS-style reply code. Everything else that varies by channel (its sender, how its message
renders) is declared beside its adapter (`pagerd.adapters.channels.registry`). Code that
needs a channel's rule looks it up (`channel_kind`), never switches on the channel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
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
# A Slack conversation: a channel id (C..., G... for private ones) or a member id.
_SLACK_CONVERSATION = re.compile(r"[CGUW][A-Z0-9]{2,20}")
_MAX_EMAIL = 254
_MAX_URL = 2048
_NOT_A_URL = "must be an absolute http:// or https:// URL"


class Channel(StrEnum):
    """How a target is reached. The value is the target `type` on the API. A member
    without a `register_channel` declaration is refused wherever it is looked up."""

    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"
    VOICE = "voice"
    SLACK = "slack"
    TEAMS = "teams"

    @property
    def address_field(self) -> str:
        """The name of the field that carries this channel's address on a policy target."""
        return channel_kind(self).address_field

    @property
    def label(self) -> str:
        """The channel's name for people (`E-mail`, `SMS`)."""
        return channel_kind(self).label


AddressCheck = Callable[[str], "str | None"]
"""Returns why an address cannot be used, or None when it can."""


@dataclass(frozen=True)
class ChannelKind:
    """The domain's rules of one channel kind.

    `label` names the channel on its own (a menu: `E-mail`), `noun` inside a sentence
    ("paged by e-mail"). `check_address` applies to contact methods (and to policy targets unless
    `check_target_address` is given: a Slack policy target names a channel, a Slack contact
    method a member). `policy_target` says whether a policy may page the channel by
    address; otherwise it reaches people only through their contact methods.
    `reply_code`: its pages carry a code a reply acknowledges with (SMS).
    `one_alert_per_message`: its messages are never grouped, because each follows its
    alert (a Slack message is edited in place when its alert is acknowledged or resolved).
    `reaches_url`: its address is a URL pagerd connects to (webhooks), so a policy saving one
    is refused when its host can never be reached (the SSRF guard, also at connect time).
    `contact_method`: a person may have one (not a Teams channel: a place, not a person).
    """

    channel: Channel
    label: str
    noun: str
    address_field: str
    example: str
    check_address: AddressCheck
    policy_target: bool = False
    check_target_address: AddressCheck | None = None
    reply_code: bool = False
    one_alert_per_message: bool = False
    reaches_url: bool = False
    contact_method: bool = True

    def target_address_problem(self, address: str) -> str | None:
        """Why `address` cannot be a policy target of this channel, or None."""
        return (self.check_target_address or self.check_address)(address)


_KINDS: dict[Channel, ChannelKind] = {}


def register_channel(kind: ChannelKind) -> ChannelKind:
    """Declare a channel kind; declaring one twice is a programming error."""
    if kind.channel in _KINDS:
        raise ValueError(f"channel {kind.channel.value!r} is declared twice")
    _KINDS[kind.channel] = kind
    return kind


def channel_kind(channel: Channel) -> ChannelKind:
    """The declared rules of `channel`. Raises LookupError for an undeclared one."""
    try:
        return _KINDS[channel]
    except KeyError:
        raise LookupError(f"channel {channel.value!r} is not declared") from None


def channel_kinds() -> tuple[ChannelKind, ...]:
    """Every declared channel kind, in declaration order."""
    return tuple(_KINDS.values())


def policy_channels() -> tuple[Channel, ...]:
    """The channels a policy may page by address, in declaration order."""
    return tuple(kind.channel for kind in _KINDS.values() if kind.policy_target)


def address_problem(channel: Channel, address: str) -> str | None:
    """Return why `address` cannot be a contact method of `channel`, or None when it can."""
    return channel_kind(channel).check_address(address)


def target_address_problem(channel: Channel, address: str) -> str | None:
    """Return why `address` cannot be a policy target of `channel`, or None when it can."""
    return channel_kind(channel).target_address_problem(address)


def email_problem(address: str) -> str | None:
    """An e-mail address such as oncall@example.com."""
    if len(address) > _MAX_EMAIL or not _EMAIL.fullmatch(address):
        return "must be an e-mail address such as oncall@example.com"
    return None


def phone_problem(address: str) -> str | None:
    """An E.164 phone number."""
    if not _E164.fullmatch(address):
        return "must be an E.164 phone number such as +5492664295169"
    return None


def slack_member_problem(address: str) -> str | None:
    """A Slack member id (U0123ABCD)."""
    if not _SLACK_MEMBER.fullmatch(address):
        return "must be a Slack member id such as U0123ABCD"
    return None


def slack_conversation_problem(address: str) -> str | None:
    """A Slack channel id (C0123ABCD), or a member id for a direct message."""
    if not _SLACK_CONVERSATION.fullmatch(address):
        return "must be a Slack channel id such as C0123ABCD (channel details, at the bottom)"
    return None


def url_problem(url: str) -> str | None:
    """An absolute http(s) URL without credentials."""
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


# The channel kinds. A new channel adds its member to `Channel` and one declaration here.
EMAIL = register_channel(
    ChannelKind(
        Channel.EMAIL,
        "E-mail",
        "e-mail",
        "email",
        "oncall@example.com",
        email_problem,
        policy_target=True,
    )
)
SMS = register_channel(
    ChannelKind(
        Channel.SMS,
        "SMS",
        "SMS",
        "phone_number",
        "+14155550123",
        phone_problem,
        policy_target=True,
        reply_code=True,
    )
)
WEBHOOK = register_channel(
    ChannelKind(
        Channel.WEBHOOK,
        "Webhook",
        "webhook",
        "url",
        "https://chat.example.com/hooks/oncall",
        url_problem,
        policy_target=True,
        reaches_url=True,
    )
)
VOICE = register_channel(
    ChannelKind(
        Channel.VOICE, "Voice call", "voice call", "phone_number", "+14155550123", phone_problem
    )
)
SLACK = register_channel(
    ChannelKind(
        Channel.SLACK,
        "Slack",
        "Slack",
        "channel",
        "C0123ABCD",
        slack_member_problem,
        policy_target=True,
        check_target_address=slack_conversation_problem,
        one_alert_per_message=True,
    )
)
TEAMS = register_channel(
    ChannelKind(
        Channel.TEAMS,
        "Microsoft Teams",
        "Microsoft Teams",
        "url",
        "https://prod-00.westeurope.logic.azure.com/workflows/...",
        url_problem,
        policy_target=True,
        reaches_url=True,
        # A Teams channel is a place, not a person: a policy target only.
        contact_method=False,
    )
)
