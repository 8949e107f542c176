"""Test messages: one message to one contact method, so a person can check it reaches them.

Queued in the outbox like a page and sent by a dispatcher through the contact method's real
channel (SMTP, Twilio, the webhook, or the dev outbox when the channel is not configured).
It belongs to no alert: nothing can acknowledge it, and it never escalates anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID, uuid4

from pagerd.domain.channels import Channel
from pagerd.domain.notification import DeliveryAttempts, NotificationStatus

MAX_TEST_ATTEMPTS = 3
"""A test reports back within a minute or so: fewer attempts than a page."""


@dataclass
class TestMessage(DeliveryAttempts):
    """A message owed to one contact method; `id` is its idempotency key. Attempts and
    retries are those of every outbox row, with a smaller budget."""

    __test__ = False  # not a pytest test class, whatever its name
    max_attempts: ClassVar[int] = MAX_TEST_ATTEMPTS
    honours_retry_after: ClassVar[bool] = False
    """A test reports back within a minute or so, never after a provider's long pause."""

    id: UUID
    user_id: UUID
    contact_method_id: UUID
    channel: Channel
    address: str
    label: str
    created_at: datetime
    next_attempt_at: datetime
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None

    @classmethod
    def queue(
        cls,
        user_id: UUID,
        contact_method_id: UUID,
        channel: Channel,
        address: str,
        label: str,
        now: datetime,
    ) -> TestMessage:
        """A new pending test message, due at once."""
        return cls(uuid4(), user_id, contact_method_id, channel, address, label, now, now)
