"""Webhook pages: a signed JSON POST to the target's URL (httpx, synchronous).

Only public addresses are reached, unless PAGERD_WEBHOOK_ALLOWED_NETWORKS allows more (see
network_guard). Redirects are not followed: a redirect could lead past the guard, and a
receiver that moved should have its URL updated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import httpx

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.network_guard import AddressPolicy, ForbiddenAddress, GuardedTransport
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

DEFAULT_TIMEOUT = 10.0
USER_AGENT = "pagerd-webhook/1"


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
        self._client = httpx.Client(
            transport=transport or GuardedTransport(policy),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    def send(self, page: OutgoingPage) -> DeliveryResult:
        try:
            response = self._post(page)
        except ForbiddenAddress as exc:
            return DeliveryResult.permanent(str(exc))
        except httpx.HTTPError as exc:
            return DeliveryResult.transient(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a sender must not raise: every failure is a result
            return DeliveryResult.transient(f"{type(exc).__name__}: {exc}")
        return classify_webhook_response(response)

    def _post(self, page: OutgoingPage) -> httpx.Response:
        now = self._clock.now()
        body = json.dumps(build_payload(page, self._renderer, now), separators=(",", ":")).encode()
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: str(page.idempotency_key),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_body(self._secret, timestamp, body),
        }
        return self._client.post(page.address, content=body, headers=headers)

    def close(self) -> None:
        """Release pooled connections."""
        self._client.close()


def classify_webhook_response(response: httpx.Response) -> DeliveryResult:
    """2xx delivered; 408, 429 and 5xx transient; redirects and other 4xx permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryResult.delivered()
    error = f"webhook answered {status} {response.reason_phrase}".rstrip()
    if status in (408, 429) or status >= 500:
        return DeliveryResult.transient(error)
    if 300 <= status < 400:
        return DeliveryResult.permanent(f"{error}: redirects are not followed")
    return DeliveryResult.permanent(error)


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
