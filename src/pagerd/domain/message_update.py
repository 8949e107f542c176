"""Message updates: a sent message that follows its alert is edited when the alert changes.

A Slack page is one message per alert; once the alert is acknowledged or resolved, the
message is edited in place ("Acknowledged by alice at 03:12 UTC") and loses its buttons.
The edit is owed like a page: a row written in the transaction that acknowledged or
resolved, delivered at least once by the dispatcher (an edit is idempotent: repeating it
changes nothing), retried with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID, uuid4

from pagerd.domain.channels import Channel
from pagerd.domain.notification import DeliveryAttempts, Notification, NotificationStatus
from pagerd.domain.severity import Severity

MAX_UPDATE_ATTEMPTS = 8


@dataclass
class MessageUpdate(DeliveryAttempts):
    """One edit owed to one sent message (`message_ref`, the provider's reference).

    `state` is what happened to the alert (`acknowledged`, `resolved`), `by` who did it (or
    None), `at` when; `service_name`, `message` and `severity` let the channel draw the
    message again without its buttons. Attempts and retries are those of every outbox row.
    """

    max_attempts: ClassVar[int] = MAX_UPDATE_ATTEMPTS
    id: UUID
    alert_id: UUID
    notification_id: UUID
    channel: Channel
    address: str
    message_ref: str
    service_name: str
    message: str
    severity: Severity
    state: str
    by: str | None
    at: datetime
    created_at: datetime
    next_attempt_at: datetime
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None

    @classmethod
    def of(
        cls,
        page: Notification,
        service_name: str,
        message: str,
        severity: Severity,
        state: str,
        by: str | None,
        at: datetime,
    ) -> MessageUpdate:
        """A new edit of the message `page` was sent as, due at once."""
        assert page.message_ref is not None
        return cls(
            id=uuid4(),
            alert_id=page.alert_id,
            notification_id=page.id,
            channel=page.channel,
            address=page.address,
            message_ref=page.message_ref,
            service_name=service_name,
            message=message,
            severity=severity,
            state=state,
            by=by,
            at=at,
            created_at=at,
            next_attempt_at=at,
        )

    @property
    def status_line(self) -> str:
        """`Acknowledged by alice at 03:12 UTC`, `Resolved at 03:40 UTC`."""
        who = f" by {self.by}" if self.by else ""
        return f"{self.state.capitalize()}{who} at {self.at.strftime('%H:%M')} UTC"
