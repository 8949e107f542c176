"""What happened to an alert: the entries of its timeline, recorded by the aggregate.

Each event has a stable `type` (the timeline's `type` field) and carries what the service
layer needs to act on it: `LevelTriggered` asks for pages and a timer, `Acknowledged` and
`Resolved` ask for the pending timer to be cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pagerd.domain.policy import PolicyTarget
from pagerd.domain.severity import Severity


@dataclass(frozen=True)
class AlertEvent:
    """Base of every timeline entry."""

    type: ClassVar[str] = "event"
    alert_id: UUID
    at: datetime

    def details(self) -> dict[str, object]:
        """The event's fields beyond `at` and `type`, as JSON-friendly values."""
        return {}


@dataclass(frozen=True)
class AlertOpened(AlertEvent):
    """A new incident started."""

    type: ClassVar[str] = "opened"
    message: str = ""
    dedup_key: str = ""
    severity: Severity = Severity.CRITICAL
    source: str | None = None

    def details(self) -> dict[str, object]:
        return {
            "message": self.message,
            "dedup_key": self.dedup_key,
            "severity": self.severity.value,
            "source": self.source,
        }


@dataclass(frozen=True)
class AlertJoined(AlertEvent):
    """Another alert arrived for a service that already had an incident; nobody is paged."""

    type: ClassVar[str] = "joined"
    message: str = ""
    dedup_key: str = ""
    severity: Severity = Severity.CRITICAL
    source: str | None = None

    def details(self) -> dict[str, object]:
        return {
            "message": self.message,
            "dedup_key": self.dedup_key,
            "severity": self.severity.value,
            "source": self.source,
        }


@dataclass(frozen=True)
class PagingHeld(AlertEvent):
    """The incident is below its service's paging severity: nobody is paged until an alert
    at or above it joins."""

    type: ClassVar[str] = "paging_held"
    severity: Severity = Severity.INFO
    paging_severity: Severity = Severity.INFO

    def details(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "paging_severity": self.paging_severity.value,
            "reason": f"severity {self.severity.value} is below the service's paging severity "
            f"{self.paging_severity.value}; nobody is paged until an alert at or above it joins",
        }


@dataclass(frozen=True)
class EscalatedManually(AlertEvent):
    """Someone asked to page the next level now, without waiting for the timer."""

    type: ClassVar[str] = "escalated"
    by: str | None = None

    def details(self) -> dict[str, object]:
        return {"by": self.by}


@dataclass(frozen=True)
class NoteAdded(AlertEvent):
    """Someone wrote a note on the incident."""

    type: ClassVar[str] = "note"
    by: str | None = None
    text: str = ""

    def details(self) -> dict[str, object]:
        return {"by": self.by, "text": self.text}


@dataclass(frozen=True)
class NoPolicy(AlertEvent):
    """The service had no escalation policy when the alert opened: nobody can be paged."""

    type: ClassVar[str] = "no_policy"

    def details(self) -> dict[str, object]:
        return {"reason": "the service has no escalation policy; nobody was notified"}


@dataclass(frozen=True)
class LevelTriggered(AlertEvent):
    """Every target of `level` is to be paged, and the level waits until `timer_due_at`."""

    type: ClassVar[str] = "notified"
    level: int = 0
    pass_number: int = 0
    targets: tuple[PolicyTarget, ...] = field(default=())
    timer_due_at: datetime | None = None

    def details(self) -> dict[str, object]:
        return {
            "level_id": self.level,
            "pass": self.pass_number,
            "target_ids": [str(t.id) for t in self.targets],
            "ack_deadline": self.timer_due_at.isoformat() if self.timer_due_at else None,
        }


@dataclass(frozen=True)
class LevelFailed(AlertEvent):
    """Every page of a level failed for good; escalation moves on without waiting."""

    type: ClassVar[str] = "level_failed"
    level: int = 0
    pass_number: int = 0

    def details(self) -> dict[str, object]:
        return {"level_id": self.level, "pass": self.pass_number}


@dataclass(frozen=True)
class EscalationExhausted(AlertEvent):
    """The last level of the last pass timed out: nobody more to page; the alert stays open."""

    type: ClassVar[str] = "exhausted"
    level: int = 0
    pass_number: int = 0

    def details(self) -> dict[str, object]:
        return {"level_id": self.level, "pass": self.pass_number}


@dataclass(frozen=True)
class Acknowledged(AlertEvent):
    """Someone took the incident: escalation stops, the service stays unhealthy."""

    type: ClassVar[str] = "acknowledged"
    by: str | None = None

    def details(self) -> dict[str, object]:
        return {"by": self.by}


@dataclass(frozen=True)
class DedupKeyResolved(AlertEvent):
    """A source declared one of the incident's dedup keys resolved."""

    type: ClassVar[str] = "dedup_key_resolved"
    dedup_key: str = ""

    def details(self) -> dict[str, object]:
        return {"dedup_key": self.dedup_key}


@dataclass(frozen=True)
class Resolved(AlertEvent):
    """The incident ended; `reason` says why (`healthy`, `all_dedup_keys_resolved`, or
    `manual`, with `by` naming who)."""

    type: ClassVar[str] = "resolved"
    reason: str = "healthy"
    by: str | None = None

    def details(self) -> dict[str, object]:
        return {"reason": self.reason, "by": self.by}


@dataclass(frozen=True)
class PagingSuppressed(AlertEvent):
    """The incident opened during a maintenance window of its service: nobody is paged
    until the window ends (then level 0, if the incident is still open)."""

    type: ClassVar[str] = "paging_suppressed"
    window_id: UUID | None = None
    until: datetime | None = None

    def details(self) -> dict[str, object]:
        until = self.until.isoformat() if self.until is not None else None
        return {
            "reason": "the service is in a maintenance window; nobody is paged until it ends",
            "maintenance_window_id": str(self.window_id) if self.window_id else None,
            "until": until,
        }


@dataclass(frozen=True)
class MaintenanceEnded(AlertEvent):
    """The maintenance window that held the incident ended while it was still open."""

    type: ClassVar[str] = "maintenance_ended"
    window_id: UUID | None = None

    def details(self) -> dict[str, object]:
        return {
            "reason": "the maintenance window ended with the incident still open: paging starts",
            "maintenance_window_id": str(self.window_id) if self.window_id else None,
        }
