"""Slack: pages as Block Kit messages through Slack's Web API (a bot token)."""

from __future__ import annotations

from datetime import datetime

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import OutgoingPage, Sender


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    return f"Slack message to {page.address}", renderer.plain(page, now)


def _sender(_parts: SenderParts) -> Sender | None:
    return None


ADAPTER = ChannelAdapter(Channel.SLACK, _render, _sender)
"""Slack: the dev outbox until a bot token is configured."""
