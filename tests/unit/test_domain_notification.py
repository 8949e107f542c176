"""Notifications: delivery outcomes, the retry rule (backoff, jitter, give-up), cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pagerd.domain.channels import Channel
from pagerd.domain.message_update import MAX_UPDATE_ATTEMPTS, MessageUpdate
from pagerd.domain.notification import (
    MAX_ATTEMPTS,
    Notification,
    NotificationStatus,
    retry_delay,
)
from pagerd.domain.policy import Target
from pagerd.domain.severity import Severity
from pagerd.domain.test_message import MAX_TEST_ATTEMPTS, TestMessage

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _page() -> Notification:
    target = Target(uuid4(), Channel.SMS, "+15555550100")
    return Notification.for_target(uuid4(), uuid4(), 1, 2, target, T0)


def test_a_new_page_is_pending_and_due_at_once_for_its_target() -> None:
    page = _page()

    assert page.is_pending
    assert (page.level, page.pass_number, page.channel, page.address) == (
        1,
        2,
        Channel.SMS,
        "+15555550100",
    )
    assert (page.next_attempt_at, page.attempts, page.last_error) == (T0, 0, None)


def test_delivery_after_a_failure_counts_the_attempt_and_clears_the_error() -> None:
    page = _page()
    page.failed_transiently("timeout", T0, 0.0)

    page.delivered(T0 + timedelta(seconds=5))

    assert (page.status, page.attempts, page.last_error, page.sent_at) == (
        NotificationStatus.SENT,
        2,
        None,
        T0 + timedelta(seconds=5),
    )


def test_a_permanent_failure_ends_delivery_with_its_error() -> None:
    page = _page()

    page.failed_permanently("21211 invalid 'To' number")

    assert (page.status, page.attempts, page.last_error) == (
        NotificationStatus.FAILED,
        1,
        "21211 invalid 'To' number",
    )
    assert not page.is_pending


def test_a_transient_failure_schedules_the_next_attempt_after_the_backoff() -> None:
    page = _page()

    page.failed_transiently("connection refused", T0, 0.5)

    assert page.is_pending
    assert (page.attempts, page.last_error) == (1, "connection refused")
    assert page.next_attempt_at == T0 + retry_delay(1, 0.5)


def test_delivery_gives_up_after_the_maximum_attempts() -> None:
    page = _page()
    for _ in range(MAX_ATTEMPTS - 1):
        page.failed_transiently("503", T0, 0.0)
    assert page.is_pending

    page.failed_transiently("503", T0, 0.0)

    assert (page.status, page.attempts) == (NotificationStatus.FAILED, MAX_ATTEMPTS)


@pytest.mark.parametrize(
    ("attempts", "ceiling"),
    [(1, 5), (2, 10), (3, 20), (6, 160), (7, 300), (20, 300)],
)
def test_the_retry_delay_doubles_from_five_seconds_up_to_five_minutes(
    attempts: int, ceiling: int
) -> None:
    top = timedelta(seconds=ceiling)

    assert retry_delay(attempts, 0.0) == top / 2
    assert top / 2 < retry_delay(attempts, 0.5) < top
    assert retry_delay(attempts, 0.999) < top


def test_cancel_applies_only_to_a_page_still_pending() -> None:
    pending, sent = _page(), _page()
    sent.delivered(T0)

    pending.cancel()
    sent.cancel()

    assert (pending.status, sent.status) == (NotificationStatus.CANCELLED, NotificationStatus.SENT)


def _sent_slack_page() -> Notification:
    page = Notification.for_target(uuid4(), uuid4(), 0, 0, Target(uuid4(), Channel.SLACK, "C1"), T0)
    page.delivered(T0, message_ref="C1/1700000000.000100")
    return page


def test_a_message_edit_honours_retry_after_and_gives_up_after_its_own_budget() -> None:
    edit = MessageUpdate.of(
        _sent_slack_page(), "checkout", "down", Severity.CRITICAL, "acknowledged", "alice", T0
    )

    edit.failed("429", T0, 0.0, permanent=False, retry_after=timedelta(seconds=90))

    assert (edit.status, edit.next_attempt_at) == (
        NotificationStatus.PENDING,
        T0 + timedelta(seconds=90),
    )
    for _ in range(MAX_UPDATE_ATTEMPTS - 1):
        edit.failed("503", T0, 0.0, permanent=False)
    assert (edit.status, edit.attempts) == (NotificationStatus.FAILED, MAX_UPDATE_ATTEMPTS)


def test_a_test_message_ignores_retry_after_and_gives_up_after_three_attempts() -> None:
    message = TestMessage.queue(uuid4(), uuid4(), Channel.SLACK, "U1", "Slack U1", T0)

    message.failed("429", T0, 0.0, permanent=False, retry_after=timedelta(minutes=10))

    assert message.next_attempt_at == T0 + retry_delay(1, 0.0)  # not ten minutes away
    message.failed("503", T0, 0.0, permanent=False)
    assert message.is_pending
    message.failed("503", T0, 0.0, permanent=False)
    assert (message.status, message.attempts) == (NotificationStatus.FAILED, MAX_TEST_ATTEMPTS)
