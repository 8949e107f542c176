"""Microsoft Teams pages: an Adaptive Card POSTed to a Teams Workflows webhook (httpx,
synchronous).

Posted as webhooks are (guarded_post): only public addresses are reached unless
PAGERD_WEBHOOK_ALLOWED_NETWORKS allows more, redirects are not followed, and failures are
classified like a webhook's (408, 429 and 5xx retried with the usual backoff; other
answers permanent). The workflow URL carries its own signature (`sig=`), so
pagerd adds none.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.guarded_post import DEFAULT_TIMEOUT, GuardedJsonPoster
from pagerd.adapters.channels.network_guard import AddressPolicy
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.teams_card import build_teams_message
from pagerd.adapters.channels.webhook import WebhookConfig
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, Sender
from pagerd.service_layer.ports import Clock

if TYPE_CHECKING:
    import httpx

USER_AGENT = "pagerd-teams/1"


class TeamsSender:
    """Implements the Sender port for Teams Workflows webhooks."""

    def __init__(
        self,
        renderer: MessageRenderer,
        clock: Clock,
        policy: AddressPolicy,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._renderer = renderer
        self._clock = clock
        self._poster = GuardedJsonPoster(policy, USER_AGENT, timeout, transport)

    def send(self, page: OutgoingPage) -> DeliveryResult:
        return self._poster.post(page.address, lambda: self._request(page))

    def _request(self, page: OutgoingPage) -> tuple[bytes, dict[str, str]]:
        message = build_teams_message(page, self._renderer, self._clock.now())
        return json.dumps(message, separators=(",", ":")).encode(), {}

    def close(self) -> None:
        """Release pooled connections."""
        self._poster.close()


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    message = build_teams_message(page, renderer, now)
    return f"Teams card to {page.address}", json.dumps(message, indent=2)


def _sender(parts: SenderParts) -> Sender | None:
    # Teams goes out whenever webhooks do, under the same network guard.
    config = parts.configs.get(WebhookConfig)
    return None if config is None else TeamsSender(parts.renderer, parts.clock, config.policy)


ADAPTER = ChannelAdapter(Channel.TEAMS, _render, _sender)
"""Microsoft Teams: Adaptive Cards POSTed to a Teams Workflows webhook."""
