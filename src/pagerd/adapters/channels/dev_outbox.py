"""The dev outbox: where pages go when their channel is not configured.

Nothing leaves the machine; the full message (the very text a real channel would send) is
stored through a unit of work, for the web console and `GET /api/v1/outbox`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from uuid import uuid4

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.sms import SmsComposer
from pagerd.adapters.channels.teams_card import build_teams_message
from pagerd.adapters.channels.twiml import call_script, call_twiml
from pagerd.adapters.channels.voice_urls import VoiceCallUrls
from pagerd.adapters.channels.webhook_format import build_payload
from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.service_layer.ports import Clock, UnitOfWork


class DevOutboxSender:
    """Implements the Sender port for any channel by storing a DevMessage."""

    def __init__(
        self,
        renderer: MessageRenderer,
        sms: SmsComposer,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
    ) -> None:
        self._renderer = renderer
        self._sms = sms
        self._uow_factory = uow_factory
        self._clock = clock

    def send(self, page: OutgoingPage) -> DeliveryResult:
        try:
            subject, body = self.compose(page)
            message = DevMessage(
                id=uuid4(),
                channel=page.channel,
                address=page.address,
                subject=subject,
                body=body,
                idempotency_key=page.idempotency_key,
                created_at=self._clock.now(),
            )
            uow = self._uow_factory()
            with uow:
                uow.dev_outbox.add(message)
                uow.commit()
        except Exception as exc:  # a sender must not raise: every failure is a result
            return DeliveryResult.transient(f"dev outbox: {type(exc).__name__}: {exc}")
        return DeliveryResult.delivered()

    def compose(self, page: OutgoingPage) -> tuple[str, str]:
        """Subject and body as the channel would send them."""
        if page.channel is Channel.EMAIL:
            rendered = self._renderer.email(page, self._clock.now())
            return rendered.subject, rendered.text
        if page.channel is Channel.SMS:
            return f"SMS to {page.address}", self._sms.text(page)
        if page.channel is Channel.VOICE:
            # The words the call would read out, then the TwiML it would carry.
            twiml = call_twiml(page, VoiceCallUrls(self._renderer.public_url).gather(page))
            return f"Voice call to {page.address}", f"{call_script(page)}\n\n{twiml}"
        if page.channel is Channel.TEAMS:
            message = build_teams_message(page, self._renderer, self._clock.now())
            return f"Teams card to {page.address}", json.dumps(message, indent=2)
        if page.channel is Channel.SLACK:
            return f"Slack message to {page.address}", self._renderer.plain(page, self._clock.now())
        payload = build_payload(page, self._renderer, self._clock.now())
        return f"Webhook POST to {page.address}", json.dumps(payload, indent=2)
