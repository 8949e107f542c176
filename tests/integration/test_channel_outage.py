"""An SMTP server down for a while, then back: every page arrives, none twice.

Real SMTP (aiosmtpd) and the production engine's duties (the harness), with a FakeClock, on
the in-memory unit of work, SQLite and PostgreSQL (when configured).
"""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.smtp import SmtpConfig, SmtpEmailSender
from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.testing.harness import PagingHarness, level
from pagerd.testing.serve_process import free_port
from tests.integration.conftest import UowFactory

ADDRESSES = ["alice@example.com", "bob@example.com", "carol@example.com"]


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received += [(rcpt, str(message["Message-ID"])) for rcpt in envelope.rcpt_tos]
        return "250 OK"


def test_pages_queued_while_smtp_is_down_all_arrive_once_when_it_is_back(
    make_uow: UowFactory,
) -> None:
    h = PagingHarness(seed=7, make_uow=make_uow)
    port = free_port()  # nothing listens here yet: connections are refused
    renderer = MessageRenderer()
    config = SmtpConfig(host="127.0.0.1", port=port, starttls=False, timeout=5)
    h.senders[Channel.EMAIL] = SmtpEmailSender(config, renderer, h.clock)  # type: ignore[assignment]
    checkout, search = h.create_service("checkout"), h.create_service("search")
    h.set_policy(checkout.id, [level(*ADDRESSES[:2])])
    h.set_policy(search.id, [level(ADDRESSES[2])])
    opened = [h.alert(checkout.id, "checkout is down"), h.alert(search.id, "search is slow")]

    for attempt in range(1, 5):  # four failed attempts each, with backoff
        h.run_workers()
        assert [n.attempts for n in _pages(h, opened)] == [attempt] * 3
        h.clock.advance(60)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while any(n.status is NotificationStatus.PENDING for n in _pages(h, opened)):
            h.advance(60)
        for _ in range(3):
            h.advance(600)
    finally:
        controller.stop()

    sent = _pages(h, opened)
    assert sorted(rcpt for rcpt, _ in inbox.received) == ADDRESSES
    assert sorted(mid for _, mid in inbox.received) == sorted(f"<{n.id}@pagerd>" for n in sent)
    assert all(n.status is NotificationStatus.SENT for n in sent)
    assert all(n.attempts == 5 for n in sent)


def _pages(h: PagingHarness, opened: list[Alert]) -> list[Notification]:
    with h.uow:
        return [n for a in opened for n in h.uow.outbox.list_for_alert(a.id)]
