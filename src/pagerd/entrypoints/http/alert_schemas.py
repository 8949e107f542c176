"""Request and response schemas of `/api/v1/alerts`."""

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.entrypoints.http.fields import AlertMessage, DedupKey, Person, UtcDateTime, rfc3339
from pagerd.service_layer.ports import TimelineEntry


class AlertIn(BaseModel):
    """An alert about a monitored service."""

    monitored_service_id: UUID
    message: AlertMessage = Field(description="What is wrong, 1 to 10000 characters.")
    dedup_key: DedupKey | None = Field(
        default=None,
        description="Identifies this alert at its source; generated when absent.",
    )


class AcknowledgeIn(BaseModel):
    """Who acknowledges (optional)."""

    by: Person | None = None


class AlertOut(BaseModel):
    """An incident of a monitored service."""

    id: UUID
    monitored_service_id: UUID
    message: str
    status: AlertStatus
    notified_level_id: int | None = Field(description="The level paged last; null before any.")
    dedup_keys: list[str]
    created_at: UtcDateTime
    acknowledged_at: UtcDateTime | None
    acknowledged_by: str | None
    resolved_at: UtcDateTime | None

    @classmethod
    def of(cls, alert: Alert) -> "AlertOut":
        """The API view of an alert."""
        return cls(
            id=alert.id,
            monitored_service_id=alert.monitored_service_id,
            message=alert.message,
            status=alert.status,
            notified_level_id=alert.level,
            dedup_keys=list(alert.dedup_keys),
            created_at=alert.created_at,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by,
            resolved_at=alert.resolved_at,
        )


class ReceivedOut(BaseModel):
    """The incident an alert opened or joined."""

    alert: AlertOut
    deduplicated: bool = Field(
        description="True when the alert joined the service's open or acknowledged incident "
        "(nobody was notified)."
    )


class TimelineEntryOut(BaseModel):
    """One line of an alert's history: `at`, `type`, and the fields of that type."""

    model_config = ConfigDict(extra="allow")

    at: str = Field(description="RFC 3339, UTC.")
    type: str = Field(
        examples=["opened", "joined", "notified", "acknowledged", "resolved"],
    )

    @classmethod
    def of(cls, entry: TimelineEntry) -> "TimelineEntryOut":
        """The API view of a timeline entry, its details inlined."""
        extra: dict[str, Any] = {k: v for k, v in entry.details.items() if k not in ("at", "type")}
        return cls(at=rfc3339(entry.at), type=entry.type, **extra)


class NotificationOut(BaseModel):
    """One page owed to one target for one level of an alert, and how its delivery went."""

    id: UUID
    level_id: int
    pass_number: int = Field(description="0 for the first pass over the levels.")
    target_id: UUID = Field(
        description="The policy target paged; for a user target, the contact method's id.",
        examples=["0b7e6c1e-52a4-4b8e-9d1a-2f0b8f3c9a11"],
    )
    user_id: UUID | None = Field(
        default=None,
        description="The user paged, when the page went to a user's contact method.",
        examples=["5f0c1a52-8b7e-4a0e-9c55-0d5a3b2e7f10"],
    )
    channel: Channel
    address: str
    status: NotificationStatus
    attempts: int
    last_error: str | None
    created_at: UtcDateTime
    sent_at: UtcDateTime | None

    @classmethod
    def of(cls, notification: Notification) -> "NotificationOut":
        """The API view of a notification."""
        return cls(
            id=notification.id,
            level_id=notification.level,
            pass_number=notification.pass_number,
            target_id=notification.target_id,
            user_id=notification.user_id,
            channel=notification.channel,
            address=notification.address,
            status=notification.status,
            attempts=notification.attempts,
            last_error=notification.last_error,
            created_at=notification.created_at,
            sent_at=notification.sent_at,
        )
