"""Notifications: one page to one target, and what became of its delivery.

A notification is written to the outbox in the same transaction as the state change that
asked for it, then delivered at least once. Its `id` is the idempotency key toward the
provider (e-mail Message-ID, webhook delivery id), so a re-send after a crash is recognisable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar
from uuid import UUID, uuid4

from pagerd.domain.channels import Channel
from pagerd.domain.policy import Target

BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=5)
MAX_ATTEMPTS = 8
RETRY_AFTER_CAP = timedelta(minutes=15)
"""A provider asking to wait longer than this is not believed: a page must still go out."""


class NotificationStatus(StrEnum):
    """Delivery state; `cancelled` means the alert was acknowledged or resolved before sending."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DeliveryAttempts:
    """The attempt state every outbox row shares (a page, a test message, a message edit):
    its status, attempts, last error, when it was sent and when it is next due.

    A mixin for dataclasses that declare those fields; `max_attempts` is the row's budget,
    `honours_retry_after` whether a provider's Retry-After may delay the next attempt.
    """

    max_attempts: ClassVar[int] = MAX_ATTEMPTS
    honours_retry_after: ClassVar[bool] = True
    status: NotificationStatus
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    next_attempt_at: datetime

    @property
    def is_pending(self) -> bool:
        """Whether delivery is still owed."""
        return self.status is NotificationStatus.PENDING

    def delivered(self, now: datetime) -> None:
        """The provider accepted the message (or applied the edit)."""
        self.attempts += 1
        self.status = NotificationStatus.SENT
        self.sent_at = now
        self.last_error = None

    def failed(
        self,
        error: str,
        now: datetime,
        jitter: float,
        permanent: bool,
        retry_after: timedelta | None = None,
    ) -> None:
        """An attempt failed: retry with backoff, or give up (permanent, or `max_attempts`
        spent).

        `jitter` in [0, 1) spreads retries of many rows (full jitter on the upper half of
        the delay), and is passed in so that the rule stays deterministic. A provider's
        `retry_after` (an HTTP 429's Retry-After) is honoured, where the row does: never
        sooner, up to RETRY_AFTER_CAP.
        """
        self.attempts += 1
        self.last_error = error
        if permanent or self.attempts >= self.max_attempts:
            self.status = NotificationStatus.FAILED
            return
        delay = retry_delay(self.attempts, jitter)
        if retry_after is not None and self.honours_retry_after:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        self.next_attempt_at = now + delay


@dataclass
class Notification(DeliveryAttempts):
    """A page owed to one target for one (alert, level, pass). Unique on those four."""

    id: UUID
    alert_id: UUID
    monitored_service_id: UUID
    level: int
    pass_number: int
    target_id: UUID
    channel: Channel
    address: str
    created_at: datetime
    next_attempt_at: datetime
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    user_id: UUID | None = None
    message_ref: str | None = None
    """The provider's reference to the message sent (a Slack `channel/ts`): recorded with
    `sent`, in the same transaction, so the message can be edited later."""

    @classmethod
    def for_target(
        cls,
        alert_id: UUID,
        monitored_service_id: UUID,
        level: int,
        pass_number: int,
        target: Target,
        now: datetime,
    ) -> Notification:
        """A new pending page, due at once."""
        return cls(
            id=uuid4(),
            alert_id=alert_id,
            monitored_service_id=monitored_service_id,
            level=level,
            pass_number=pass_number,
            target_id=target.id,
            channel=target.channel,
            address=target.address,
            created_at=now,
            next_attempt_at=now,
        )

    @classmethod
    def for_contact_method(
        cls,
        alert_id: UUID,
        monitored_service_id: UUID,
        level: int,
        pass_number: int,
        user_id: UUID,
        contact_method_id: UUID,
        channel: Channel,
        address: str,
        now: datetime,
    ) -> Notification:
        """A new pending page to one of a user's contact methods, due at once. Its
        `target_id` is the contact method's id: one page per method per (alert, level, pass)."""
        return cls(
            id=uuid4(),
            alert_id=alert_id,
            monitored_service_id=monitored_service_id,
            level=level,
            pass_number=pass_number,
            target_id=contact_method_id,
            channel=channel,
            address=address,
            created_at=now,
            next_attempt_at=now,
            user_id=user_id,
        )

    def delivered(self, now: datetime, message_ref: str | None = None) -> None:
        """The provider accepted the message (`message_ref`: its reference, if any)."""
        super().delivered(now)
        self.message_ref = message_ref

    def failed_permanently(self, error: str) -> None:
        """The provider refused the message for a reason retrying cannot fix."""
        self.failed(error, self.next_attempt_at, 0.0, permanent=True)

    def failed_transiently(
        self, error: str, now: datetime, jitter: float, retry_after: timedelta | None = None
    ) -> None:
        """Retry later with exponential backoff (see `failed`); give up after MAX_ATTEMPTS."""
        self.failed(error, now, jitter, permanent=False, retry_after=retry_after)

    def call_unanswered(
        self, error: str, now: datetime, max_attempts: int, retry_after: timedelta
    ) -> bool:
        """A call the provider accepted (`sent`) was not answered by a person: the attempt
        failed after all. Due again after `retry_after`, or failed for good once
        `max_attempts` calls were placed. Returns whether anything changed (only a sent
        page is reopened: a repeated callback, or one for a cancelled page, changes nothing).
        """
        if self.status is not NotificationStatus.SENT:
            return False
        self.last_error = error
        self.sent_at = None
        if self.attempts >= max_attempts:
            self.status = NotificationStatus.FAILED
            return True
        self.status = NotificationStatus.PENDING
        self.next_attempt_at = now + retry_after
        return True

    def cancel(self) -> None:
        """Delivery is no longer wanted (the alert was acknowledged or resolved)."""
        if self.is_pending:
            self.status = NotificationStatus.CANCELLED


def retry_delay(attempts: int, jitter: float) -> timedelta:
    """Delay before the next attempt after `attempts` failures: 5 s doubling, capped at 5 min."""
    ceiling: timedelta = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))
    return ceiling / 2 + (ceiling / 2) * jitter
