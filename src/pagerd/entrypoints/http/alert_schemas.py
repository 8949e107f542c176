"""Request and response schemas of `/api/v1/alerts`."""

from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pagerd.domain.alert import KEYS_SHOWN, Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.severity import Severity
from pagerd.entrypoints.http.context_schemas import SEVERITY_DESCRIPTION, ContextIn, LinkModel
from pagerd.entrypoints.http.fields import (
    AlertMessage,
    DedupKey,
    Person,
    UtcDateTime,
    rfc3339,
    storable,
    text,
)
from pagerd.service_layer.ports import TimelineEntry

MAX_NOTE = 5_000
NoteText = Annotated[str, text(MAX_NOTE), AfterValidator(storable)]


class AlertIn(ContextIn):
    """An alert about a monitored service, with its optional context."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "monitored_service_id": "0b6f3c9e-4a51-4f7e-9a55-2f1f5f3b8c21",
                    "message": "checkout is down: 5xx rate above 20% for 5 minutes",
                    "dedup_key": "checkout-5xx",
                }
            ]
        }
    )

    monitored_service_id: UUID = Field(description="The service the alert is about.")
    message: AlertMessage = Field(description="What is wrong, 1 to 10000 characters.")
    dedup_key: DedupKey | None = Field(
        default=None,
        description="Identifies this alert at its source; generated when absent.",
    )


class AcknowledgeIn(BaseModel):
    """Who acknowledges (optional)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"by": "alice"}]})

    by: Person | None = Field(
        default=None, description="Who takes the incident, as shown on its timeline."
    )


class NoteIn(BaseModel):
    """A note for the incident's timeline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"text": "Rolled back the 02:10 deploy; watching error rates."}]
        }
    )

    text: NoteText = Field(
        description=f"The note, 1 to {MAX_NOTE} characters.",
        examples=["Rolled back deploy 2026-12-03.4; error rate falling."],
    )


class AlertOut(BaseModel):
    """An incident of a monitored service."""

    id: UUID = Field(description="The alert's id.")
    monitored_service_id: UUID = Field(description="The service the alert is about.")
    message: str = Field(description="The message of the alert that opened the incident.")
    status: AlertStatus = Field(
        description="open: escalating; acknowledged: someone took it, escalation stopped; "
        "resolved: over."
    )
    notified_level_id: int | None = Field(
        description="The level paged last (0-based); null before any (no policy, or held "
        "below the service's paging severity)."
    )
    dedup_keys: list[str] = Field(
        description=f"The dedup keys of the alerts this incident holds, in the order they "
        f"joined: the first {KEYS_SHOWN} (see `dedup_key_count` and "
        f"`GET /api/v1/alerts/{{id}}/dedup-keys`); the incident heals when its source "
        f"resolves the last one."
    )
    dedup_key_count: int = Field(
        description="How many dedup keys the incident holds.", examples=[3]
    )
    severity: Severity = Field(
        description=SEVERITY_DESCRIPTION + " An incident's severity is the highest of its alerts'.",
        examples=["critical"],
    )
    source: str | None = Field(
        description="Where the problem is, as the first alert said.",
        examples=["api-7.prod.example.com"],
    )
    details: dict[str, Any] = Field(
        description="The first alert's details.", examples=[{"error_rate": "6.2%"}]
    )
    links: list[LinkModel] = Field(description="The first alert's links.")
    escalation_ended_at: UtcDateTime | None = Field(
        description="When the last level of the last pass timed out: since then nobody is "
        "being paged (null while escalation goes on).",
        examples=[None],
    )
    created_at: UtcDateTime = Field(description="When the incident opened (RFC 3339, UTC).")
    acknowledged_at: UtcDateTime | None = Field(
        description="When it was acknowledged; null if it was not."
    )
    acknowledged_by: str | None = Field(description="Who acknowledged it; null if unknown.")
    resolved_at: UtcDateTime | None = Field(description="When it was resolved; null if open.")

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
            dedup_key_count=alert.dedup_key_count,
            severity=alert.severity,
            source=alert.source,
            details=dict(alert.details),
            links=[LinkModel(href=link.href, text=link.text) for link in alert.links],
            escalation_ended_at=alert.escalation_ended_at,
            created_at=alert.created_at,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by,
            resolved_at=alert.resolved_at,
        )


class ReceivedOut(BaseModel):
    """The incident an alert opened or joined."""

    alert: AlertOut = Field(description="The incident the alert opened or joined.")
    deduplicated: bool = Field(
        description="True when the alert joined the service's open or acknowledged incident "
        "(nobody was notified)."
    )


class TimelineEntryOut(BaseModel):
    """One line of an alert's history: `at`, `type`, and the fields of that type."""

    model_config = ConfigDict(extra="allow")

    at: str = Field(description="RFC 3339, UTC.")
    type: str = Field(
        description="What happened; the other fields depend on it.",
        examples=[
            "opened",
            "joined",
            "paging_held",
            "notified",
            "escalated",
            "note",
            "exhausted",
            "acknowledged",
            "resolved",
        ],
    )

    @classmethod
    def of(cls, entry: TimelineEntry) -> "TimelineEntryOut":
        """The API view of a timeline entry, its details inlined."""
        extra: dict[str, Any] = {k: v for k, v in entry.details.items() if k not in ("at", "type")}
        return cls(at=rfc3339(entry.at), type=entry.type, **extra)


class NotificationOut(BaseModel):
    """One page owed to one target for one level of an alert, and how its delivery went."""

    id: UUID = Field(description="The notification's id, also the idempotency key it is sent with.")
    level_id: int = Field(description="The level of the escalation policy that paged.")
    pass_number: int = Field(description="0 for the first pass over the levels.")
    target_id: UUID = Field(
        description="The target of that level that is paged; for a user target, the id of "
        "the user's contact method paged.",
        examples=["0b7e6c1e-52a4-4b8e-9d1a-2f0b8f3c9a11"],
    )
    user_id: UUID | None = Field(
        default=None,
        description="The user paged, when the page went to a user's contact method.",
        examples=["5f0c1a52-8b7e-4a0e-9c55-0d5a3b2e7f10"],
    )
    channel: Channel = Field(description="How the target is paged.")
    address: str = Field(
        description="Where: an e-mail address, an E.164 number, a Slack member id or a URL."
    )
    status: NotificationStatus = Field(
        description="pending: not delivered yet (retries included); sent: the channel took it; "
        "failed: given up; cancelled: the alert was acknowledged or resolved first."
    )
    attempts: int = Field(description="Delivery attempts so far.")
    last_error: str | None = Field(description="Why the last attempt failed; null if none did.")
    created_at: UtcDateTime = Field(description="When the page was owed (RFC 3339, UTC).")
    sent_at: UtcDateTime | None = Field(description="When the channel took it; null until then.")

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
