"""An SMTP server down for a while, then back: every page arrives, none twice.

Real SMTP (aiosmtpd) and the real dispatcher (`deliver_due_pages`), with a FakeClock, on
the in-memory unit of work, SQLite and PostgreSQL (when configured).
"""

from __future__ import annotations

import random
import socket
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.smtp import SmtpConfig, SmtpEmailSender
from pagerd.domain.channels import Channel
from pagerd.domain.notification import NotificationStatus
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from pagerd.service_layer.delivery import deliver_due_pages
from pagerd.testing import FakeClock, RecordingSender
from pagerd.testing.harness import level
from tests.integration.conftest import UowFactory

ADDRESSES = ["alice@example.com", "bob@example.com", "carol@example.com"]


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received += [(rcpt, str(message["Message-ID"])) for rcpt in envelope.rcpt_tos]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_pages_queued_while_smtp_is_down_all_arrive_once_when_it_is_back(
    make_uow: UowFactory,
) -> None:
    uow, clock, jitter = make_uow(None), FakeClock(), random.Random(7).random
    port = _free_port()  # nothing listens here yet: connections are refused
    renderer = MessageRenderer(AckLinks("https://pagerd.example.com", AckLinkSigner(b"k")))
    config = SmtpConfig(host="127.0.0.1", port=port, starttls=False, timeout=5)
    senders = {channel: RecordingSender() for channel in Channel}
    senders[Channel.EMAIL] = SmtpEmailSender(config, renderer, clock)  # type: ignore[assignment]
    checkout = services.create_service(uow, clock, "checkout")
    search = services.create_service(uow, clock, "search")
    policies.put_policy(uow, checkout.id, [level(*ADDRESSES[:2])])
    policies.put_policy(uow, search.id, [level(ADDRESSES[2])])
    opened = [
        alerts.receive_alert(uow, clock, checkout.id, "checkout is down").alert,
        alerts.receive_alert(uow, clock, search.id, "search is slow").alert,
    ]

    for _ in range(4):  # four failed attempts each, with backoff
        assert deliver_due_pages(uow, clock, senders, "dispatcher", jitter) == 3
        clock.advance(60)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while deliver_due_pages(uow, clock, senders, "dispatcher", jitter):
            clock.advance(60)
        for _ in range(3):
            clock.advance(600)
            assert deliver_due_pages(uow, clock, senders, "dispatcher", jitter) == 0
    finally:
        controller.stop()

    with uow:
        sent = [n for a in opened for n in uow.outbox.list_for_alert(a.id)]
    assert sorted(rcpt for rcpt, _ in inbox.received) == ADDRESSES
    assert sorted(mid for _, mid in inbox.received) == sorted(f"<{n.id}@pagerd>" for n in sent)
    assert all(n.status is NotificationStatus.SENT for n in sent)
    assert all(n.attempts == 5 for n in sent)
