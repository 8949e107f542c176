"""Voice calls: no sender yet; a call's words land in the dev outbox."""

from __future__ import annotations

from datetime import datetime

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import OutgoingPage, Sender


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    return f"Voice call to {page.address}", renderer.voice(page, now)


def _sender(_parts: SenderParts) -> Sender | None:
    return None


ADAPTER = ChannelAdapter(Channel.VOICE, _render, _sender)
"""Voice: the dev outbox until it has a sender."""
