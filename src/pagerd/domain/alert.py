"""The alert: one incident of a monitored service, and its escalation state machine.

States: open -> acknowledged -> resolved, or open -> resolved. Escalation advances only while
the alert is open; every method that changes the alert records what happened in `events`,
which the service layer turns into pages, timers and timeline entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pagerd.domain.errors import AlertAlreadyResolved, TooManyDedupKeys
from pagerd.domain.events import (
    Acknowledged,
    AlertEvent,
    AlertJoined,
    AlertOpened,
    DedupKeyResolved,
    EscalationExhausted,
    LevelFailed,
    LevelTriggered,
    MaintenanceEnded,
    NoPolicy,
    PagingSuppressed,
    Resolved,
)
from pagerd.domain.maintenance import MaintenanceWindow
from pagerd.domain.plan import EscalationPlan

MAX_DEDUP_KEYS = 1000
"""The most dedup keys one incident holds at once. Every alert that joins loads the incident
with its keys, so the keys bound the work of each join; 1000 is far above what one incident
of a real system gathers (an Alertmanager group per incident, typically a handful)."""


class AlertStatus(StrEnum):
    """Where an incident stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    @property
    def is_active(self) -> bool:
        """Open and acknowledged alerts both hold their service's single incident slot."""
        return self is not AlertStatus.RESOLVED


@dataclass
class Alert:
    """An incident. `level` is the level notified last (`notified_level_id`), None before any."""

    id: UUID
    monitored_service_id: UUID
    message: str
    created_at: datetime
    plan: EscalationPlan | None
    status: AlertStatus = AlertStatus.OPEN
    level: int | None = None
    pass_number: int = 0
    dedup_keys: list[str] = field(default_factory=list)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    events: list[AlertEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def open(
        cls,
        alert_id: UUID,
        monitored_service_id: UUID,
        message: str,
        dedup_key: str,
        plan: EscalationPlan | None,
        now: datetime,
        maintenance: MaintenanceWindow | None = None,
    ) -> Alert:
        """Start an incident and page its first level, or record that nobody can be paged
        (no policy) or is paged yet (a `maintenance` window covers the service: the incident
        is held until `end_maintenance`)."""
        alert = cls(
            id=alert_id,
            monitored_service_id=monitored_service_id,
            message=message,
            created_at=now,
            plan=plan,
            dedup_keys=[dedup_key],
        )
        alert.events.append(AlertOpened(alert_id, now, message=message, dedup_key=dedup_key))
        if plan is None:
            alert.events.append(NoPolicy(alert_id, now))
        elif maintenance is not None:
            alert.events.append(
                PagingSuppressed(alert_id, now, window_id=maintenance.id, until=maintenance.end_at)
            )
        else:
            alert._trigger(0, 0, now)
        return alert

    @property
    def is_paging_held(self) -> bool:
        """Open, with a plan, and no level paged yet: held (by a maintenance window)."""
        return self.status is AlertStatus.OPEN and self.plan is not None and self.level is None

    def end_maintenance(self, window_id: UUID, now: datetime) -> bool:
        """The maintenance window holding the incident ended: page level 0 if it is still
        held (open, never paged). Returns whether paging started."""
        if not self.is_paging_held:
            return False
        self.events.append(MaintenanceEnded(self.id, now, window_id=window_id))
        self._trigger(0, 0, now)
        return True

    def join(self, message: str, dedup_key: str, now: datetime) -> None:
        """Record another alert for this incident; its dedup key joins. Nobody is paged.

        Raises TooManyDedupKeys for a new key when the incident holds MAX_DEDUP_KEYS already.
        """
        if dedup_key not in self.dedup_keys:
            if len(self.dedup_keys) >= MAX_DEDUP_KEYS:
                raise TooManyDedupKeys(
                    f"the incident holds {MAX_DEDUP_KEYS} dedup keys, the most it may; resolve "
                    "some, or send this alert with a key the incident holds"
                )
            self.dedup_keys.append(dedup_key)
        self.events.append(AlertJoined(self.id, now, message=message, dedup_key=dedup_key))

    def acknowledge(self, by: str | None, now: datetime) -> bool:
        """Stop escalation. Idempotent; returns whether anything changed."""
        if self.status is AlertStatus.RESOLVED:
            raise AlertAlreadyResolved(f"alert {self.id} is already resolved")
        if self.status is AlertStatus.ACKNOWLEDGED:
            return False
        self.status = AlertStatus.ACKNOWLEDGED
        self.acknowledged_at = now
        self.acknowledged_by = by
        self.events.append(Acknowledged(self.id, now, by=by))
        return True

    def resolve(self, reason: str, now: datetime) -> bool:
        """End the incident. Idempotent; returns whether anything changed."""
        if self.status is AlertStatus.RESOLVED:
            return False
        self.status = AlertStatus.RESOLVED
        self.resolved_at = now
        self.events.append(Resolved(self.id, now, reason=reason))
        return True

    def resolve_dedup_key(self, dedup_key: str, now: datetime) -> bool:
        """Remove a key a source declared resolved; resolve the alert when none is left.

        Returns whether the alert is now resolved because of this call. An unknown key, or a
        key of an already resolved alert, changes nothing.
        """
        if self.status is AlertStatus.RESOLVED or dedup_key not in self.dedup_keys:
            return False
        self.dedup_keys.remove(dedup_key)
        self.events.append(DedupKeyResolved(self.id, now, dedup_key=dedup_key))
        if self.dedup_keys:
            return False
        return self.resolve("all_dedup_keys_resolved", now)

    def ack_timeout(self, level: int, pass_number: int, now: datetime) -> bool:
        """The timer of (`level`, `pass_number`) fired: escalate if it is still current.

        A timer for a level that is no longer the current one, or for an alert that is not
        open, is stale and changes nothing. Returns whether the alert moved on.
        """
        if not self._is_current(level, pass_number):
            return False
        self._advance(now)
        return True

    def level_failed(self, level: int, pass_number: int, now: datetime) -> bool:
        """Every page of the current level failed for good: escalate now, not at the timer."""
        if not self._is_current(level, pass_number):
            return False
        self.events.append(LevelFailed(self.id, now, level=level, pass_number=pass_number))
        self._advance(now)
        return True

    def _is_current(self, level: int, pass_number: int) -> bool:
        return (
            self.status is AlertStatus.OPEN
            and self.level == level
            and self.pass_number == pass_number
        )

    def _advance(self, now: datetime) -> None:
        assert self.plan is not None
        assert self.level is not None
        if self.level + 1 < len(self.plan.levels):
            self._trigger(self.level + 1, self.pass_number, now)
        elif self.pass_number < self.plan.repeat:
            self._trigger(0, self.pass_number + 1, now)
        else:
            self.events.append(
                EscalationExhausted(self.id, now, level=self.level, pass_number=self.pass_number)
            )

    def _trigger(self, level: int, pass_number: int, now: datetime) -> None:
        assert self.plan is not None
        step = self.plan.levels[level]
        self.level = level
        self.pass_number = pass_number
        self.events.append(
            LevelTriggered(
                self.id,
                now,
                level=level,
                pass_number=pass_number,
                targets=step.targets,
                timer_due_at=now + step.ack_timeout,
            )
        )
