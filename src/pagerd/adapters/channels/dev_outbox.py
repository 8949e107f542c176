"""The dev outbox: where pages go when their channel is not configured.

Nothing leaves the machine; the full message (the very text a real channel would send,
rendered by the channel's adapter) is handed back with the delivery result, and stored by
the use case that records the outcome (`record_deliveries`), in its transaction: the sender
itself does no database work. The console and `GET /api/v1/outbox` show it.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

from pagerd.adapters.channels.adapter import Render
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.service_layer.ports import Clock


class DevOutboxSender:
    """Implements the Sender port for any channel: renders the page as its channel would
    (`render_of(channel)`) and answers delivered, carrying the message to store."""

    def __init__(
        self, renderer: MessageRenderer, clock: Clock, render_of: Callable[[Channel], Render]
    ) -> None:
        self._renderer = renderer
        self._clock = clock
        self._render_of = render_of

    def send(self, page: OutgoingPage) -> DeliveryResult:
        try:
            subject, body = self.compose(page)
        except Exception as exc:  # a sender must not raise: every failure is a result
            return DeliveryResult.transient(f"dev outbox: {type(exc).__name__}: {exc}")
        message = DevMessage(
            id=uuid4(),
            channel=page.channel,
            address=page.address,
            subject=subject,
            body=body,
            idempotency_key=page.idempotency_key,
            created_at=self._clock.now(),
        )
        return DeliveryResult.delivered(dev_message=message)

    def compose(self, page: OutgoingPage) -> tuple[str, str]:
        """Subject and body as the channel would send them."""
        return self._render_of(page.channel)(page, self._renderer, self._clock.now())
