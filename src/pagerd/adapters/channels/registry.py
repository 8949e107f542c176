"""The channels' adapters, one per channel kind, and the senders built from them.

Adding a channel: its module declares `ADAPTER` (see `adapter.ChannelAdapter`) and is
listed here once; its domain rules are declared in `pagerd.domain.channels`.
"""

from __future__ import annotations

from pagerd.adapters.channels import slack, smtp, teams, twilio, voice, webhook
from pagerd.adapters.channels.adapter import ChannelAdapter, ChannelConfigs, Render, SenderParts
from pagerd.adapters.channels.dev_outbox import DevOutboxSender
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.domain.channels import Channel, channel_kinds
from pagerd.service_layer.paging import Sender
from pagerd.service_layer.ports import Clock

ADAPTERS: tuple[ChannelAdapter, ...] = (
    smtp.ADAPTER,
    twilio.ADAPTER,
    webhook.ADAPTER,
    voice.ADAPTER,
    slack.ADAPTER,
    teams.ADAPTER,
)

_BY_CHANNEL = {adapter.channel: adapter for adapter in ADAPTERS}


def channel_adapter(channel: Channel) -> ChannelAdapter:
    """The adapter of `channel`; LookupError for a channel without one."""
    try:
        return _BY_CHANNEL[channel]
    except KeyError:
        raise LookupError(f"channel {channel.value!r} has no adapter") from None


def render_of(channel: Channel) -> Render:
    """How `channel` renders a page for people (the dev outbox shows it)."""
    return channel_adapter(channel).render


def build_senders(configs: ChannelConfigs, clock: Clock) -> dict[Channel, Sender]:
    """A sender for every declared channel kind: its own when configured, the dev outbox
    otherwise. Raises LookupError when a declared kind has no adapter (a channel declared
    but not built must fail at start-up, never page into the void)."""
    renderer = MessageRenderer()
    parts = SenderParts(renderer, clock, configs)
    dev = DevOutboxSender(renderer, clock, render_of)
    senders: dict[Channel, Sender] = {}
    for kind in channel_kinds():
        senders[kind.channel] = channel_adapter(kind.channel).build_sender(parts) or dev
    return senders
