"""What a channel's adapter declares: how its message renders, and how its sender is built.

The domain declares a channel kind's rules (`pagerd.domain.channels`); its adapter module
declares one `ChannelAdapter` beside its sender, listed in `registry.ADAPTERS`. Senders are
built from plain values (`ChannelConfigs`) that the composition root (`pagerd.bootstrap`)
reads from the settings: no adapter reads the configuration itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar, cast

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import OutgoingPage, Sender
from pagerd.service_layer.ports import Clock

T = TypeVar("T")


@dataclass(frozen=True)
class ChannelConfigs:
    """Each configured channel's settings, keyed by their class (`SmtpConfig`, ...); a
    channel whose class is absent is not configured and pages into the dev outbox."""

    values: Mapping[type, object] = field(default_factory=dict)

    @classmethod
    def of(cls, *configs: object | None) -> ChannelConfigs:
        """The configs given, the Nones (unconfigured channels) left out."""
        return cls({type(c): c for c in configs if c is not None})

    def get(self, kind: type[T]) -> T | None:
        """The config of class `kind`, or None when that channel is not configured."""
        return cast("T | None", self.values.get(kind))


@dataclass(frozen=True)
class SenderParts:
    """What a channel's sender is built from."""

    renderer: MessageRenderer
    clock: Clock
    configs: ChannelConfigs


Render = Callable[[OutgoingPage, MessageRenderer, datetime], tuple[str, str]]
"""A page as its channel would send it, for people to read: (subject, body)."""


@dataclass(frozen=True)
class ChannelAdapter:
    """One channel's adapter: `render` for the dev outbox (the very text the channel would
    send), and `build_sender`, which returns None while the channel is not configured (its
    pages then land in the dev outbox)."""

    channel: Channel
    render: Render
    build_sender: Callable[[SenderParts], Sender | None]
