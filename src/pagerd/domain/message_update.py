"""Message updates: a sent message that follows its alert is edited when the alert changes.

A Slack page is one message per alert; once the alert is acknowledged or resolved, the
message is edited in place ("Acknowledged by alice at 03:12 UTC") and loses its buttons.
The edit is owed like a page: a row written in the transaction that acknowledged or
resolved, delivered at least once by the dispatcher (an edit is idempotent: repeating it
changes nothing), retried with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from pagerd.domain.channels import Channel
from pagerd.domain.notification import (
    RETRY_AFTER_CAP,
    Notification,
    NotificationStatus,
    retry_delay,
)
from pagerd.domain.severity import Severity

MAX_UPDATE_ATTEMPTS = 8


@dataclass
class MessageUpdate:
    """One edit owed to one sent message (`message_ref`, the provider's reference).

    `state` is what happened to the alert (`acknowledged`, `resolved`), `by` who did it (or
    None), `at` when; `service_name`, `message` and `severity` let the channel draw the
    message again without its buttons.
    """

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
    def is_pending(self) -> bool:
        """Whether the edit is still owed."""
        return self.status is NotificationStatus.PENDING

    @property
    def status_line(self) -> str:
        """`Acknowledged by alice at 03:12 UTC`, `Resolved at 03:40 UTC`."""
        who = f" by {self.by}" if self.by else ""
        return f"{self.state.capitalize()}{who} at {self.at.strftime('%H:%M')} UTC"

    def delivered(self, now: datetime) -> None:
        """The provider applied the edit."""
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
        """An attempt failed: retry with backoff (never sooner than `retry_after`), or give
        up (permanent, or out of tries)."""
        self.attempts += 1
        self.last_error = error
        if permanent or self.attempts >= MAX_UPDATE_ATTEMPTS:
            self.status = NotificationStatus.FAILED
            return
        delay = retry_delay(self.attempts, jitter)
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        self.next_attempt_at = now + delay
