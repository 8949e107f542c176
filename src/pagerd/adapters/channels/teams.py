"""Microsoft Teams pages: an Adaptive Card POSTed to a Teams Workflows webhook (httpx,
synchronous).

The same rules as webhooks: only public addresses are reached unless
PAGERD_WEBHOOK_ALLOWED_NETWORKS allows more (network_guard), redirects are not followed,
and failures are classified like a webhook's (408, 429 and 5xx retried with the usual
backoff; other answers permanent). The workflow URL carries its own signature (`sig=`), so
pagerd adds none.
"""

from __future__ import annotations

import json
from datetime import datetime

import httpx

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.network_guard import AddressPolicy, ForbiddenAddress, GuardedTransport
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.teams_card import build_teams_message
from pagerd.adapters.channels.webhook import WebhookConfig, classify_webhook_response
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, Sender
from pagerd.service_layer.ports import Clock

DEFAULT_TIMEOUT = 10.0
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
        self._client = httpx.Client(
            transport=transport or GuardedTransport(policy),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    def send(self, page: OutgoingPage) -> DeliveryResult:
        try:
            message = build_teams_message(page, self._renderer, self._clock.now())
            body = json.dumps(message, separators=(",", ":")).encode()
            response = self._client.post(
                page.address, content=body, headers={"Content-Type": "application/json"}
            )
        except ForbiddenAddress as exc:
            return DeliveryResult.permanent(str(exc))
        except httpx.HTTPError as exc:
            return DeliveryResult.transient(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a sender must not raise: every failure is a result
            return DeliveryResult.transient(f"{type(exc).__name__}: {exc}")
        return classify_webhook_response(response)

    def close(self) -> None:
        """Release pooled connections."""
        self._client.close()


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    message = build_teams_message(page, renderer, now)
    return f"Teams card to {page.address}", json.dumps(message, indent=2)


def _sender(parts: SenderParts) -> Sender | None:
    # Teams goes out whenever webhooks do, under the same network guard.
    config = parts.configs.get(WebhookConfig)
    return None if config is None else TeamsSender(parts.renderer, parts.clock, config.policy)


ADAPTER = ChannelAdapter(Channel.TEAMS, _render, _sender)
"""Microsoft Teams: Adaptive Cards POSTed to a Teams Workflows webhook."""
