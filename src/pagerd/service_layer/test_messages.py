"""Use cases of test messages: queue one for a contact method; the dispatcher's part.

A test message goes through the outbox like a page: `queue_test_message` commits it, and
the dispatcher claims it with the pages (`claim_test_pages`), sends it through the contact
method's channel, and records the outcome (`record_test_outcomes`). Its `PageItem` says
`is_test`, so channels render a test instead of an alert and nothing acknowledges it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from uuid import UUID

from pagerd.domain.roles import SYSTEM, Actor
from pagerd.domain.test_message import TestMessage
from pagerd.service_layer.contact_methods import require_profile_access
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.outcomes import record_outcomes, release_leases
from pagerd.service_layer.paging import (
    DeliveryResult,
    OutgoingPage,
    PageItem,
)
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

TEST_SERVICE_NAME = "pagerd"


@retry_on_conflict
def queue_test_message(
    uow: UnitOfWork, clock: Clock, user_id: UUID, method_id: UUID, actor: Actor = SYSTEM
) -> TestMessage:
    """Queue a test message to one of the user's contact methods; NotFound otherwise,
    Forbidden when `actor` may not act on this user's profile."""
    require_profile_access(actor, user_id)
    with uow:
        method = uow.contact_methods.get(method_id)
        if method is None or method.user_id != user_id:
            raise NotFound("contact method", method_id)
        message = TestMessage.queue(
            user_id, method.id, method.channel, method.address, method.label, clock.now()
        )
        uow.test_messages.add(message)
        uow.commit()
    return message


def get_test_message(uow: UnitOfWork, user_id: UUID, message_id: UUID) -> TestMessage:
    """A test message of the user, to see whether it was sent; NotFound otherwise."""
    with uow:
        message = uow.test_messages.get(message_id)
    if message is None or message.user_id != user_id:
        raise NotFound("test message", message_id)
    return message


def test_page(message: TestMessage) -> OutgoingPage:
    """The message as channels send it: one item, marked as a test."""
    item = PageItem(
        notification_id=message.id,
        alert_id=message.id,
        monitored_service_id=message.user_id,
        service_name=TEST_SERVICE_NAME,
        message=f"test message to {message.label}: pagerd can page you here",
        level=0,
        pass_number=0,
        target_id=message.contact_method_id,
        alert_created_at=message.created_at,
        is_test=True,
    )
    return OutgoingPage(message.channel, message.address, (item,))


def claim_test_pages(
    uow: UnitOfWork, now: datetime, worker_id: str, limit: int, lease_until: datetime
) -> list[OutgoingPage]:
    """Inside the caller's transaction: lease due test messages and return their pages."""
    return [test_page(m) for m in uow.test_messages.claim_due(now, limit, worker_id, lease_until)]


def record_test_outcomes(
    uow: UnitOfWork,
    outcomes: Sequence[tuple[OutgoingPage, DeliveryResult]],
    now: datetime,
    jitter: Callable[[], float],
) -> None:
    """Inside the caller's transaction: store each test page's outcome, dropping its lease."""
    record_outcomes(uow.test_messages, outcomes, now, jitter)


def release_test_pages(uow: UnitOfWork, worker_id: str, pages: Iterable[OutgoingPage]) -> int:
    """Inside the caller's transaction: drop `worker_id`'s leases on unsent test pages."""
    return release_leases(uow.test_messages, worker_id, pages)


def is_test(page: OutgoingPage) -> bool:
    """Whether a page is a test message (a test page carries only itself)."""
    return page.items[0].is_test
