"""Webhook pages: a signed JSON POST to the target's URL (httpx, synchronous).

Posted under the network guard, redirects not followed (guarded_post).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.guarded_post import DEFAULT_TIMEOUT, GuardedJsonPoster
from pagerd.adapters.channels.network_guard import AddressPolicy
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.webhook_format import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    build_payload,
    sign_body,
)
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, Sender
from pagerd.service_layer.ports import Clock

if TYPE_CHECKING:
    import httpx

USER_AGENT = "pagerd-webhook/1"


__all__ = ["ADAPTER", "WebhookConfig", "WebhookSender"]


@dataclass(frozen=True)
class WebhookConfig:
    """The signing secret (`webhook_format.webhook_secret`) and the networks receivers may
    be on besides public addresses. Webhooks are always configured."""

    secret: str
    policy: AddressPolicy


class WebhookSender:
    """Implements the Sender port for webhooks. The delivery id header is the page's
    idempotency key: the same on every attempt, so a receiver can drop repeats."""

    def __init__(
        self,
        renderer: MessageRenderer,
        clock: Clock,
        secret: str,
        policy: AddressPolicy,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._renderer = renderer
        self._clock = clock
        self._secret = secret
        self._poster = GuardedJsonPoster(policy, USER_AGENT, timeout, transport)

    def send(self, page: OutgoingPage) -> DeliveryResult:
        return self._poster.post(page.address, lambda: self._request(page))

    def _request(self, page: OutgoingPage) -> tuple[bytes, dict[str, str]]:
        now = self._clock.now()
        body = json.dumps(build_payload(page, self._renderer, now), separators=(",", ":")).encode()
        timestamp = int(now.timestamp())
        headers = {
            DELIVERY_HEADER: str(page.idempotency_key),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_body(self._secret, timestamp, body),
        }
        return body, headers

    def close(self) -> None:
        """Release pooled connections."""
        self._poster.close()


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    payload = build_payload(page, renderer, now)
    return f"Webhook POST to {page.address}", json.dumps(payload, indent=2)


def _sender(parts: SenderParts) -> Sender | None:
    config = parts.configs.get(WebhookConfig)
    if config is None:
        return None
    return WebhookSender(parts.renderer, parts.clock, config.secret, config.policy)


ADAPTER = ChannelAdapter(Channel.WEBHOOK, _render, _sender)
"""Webhooks: signed JSON POSTs to public addresses (or allowed networks)."""
