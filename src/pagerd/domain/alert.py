"""The alert: one incident of a monitored service, and its escalation state machine.

States: open -> acknowledged -> resolved, or open -> resolved. Escalation advances only while
the alert is open; every method that changes the alert records what happened in `events`,
which the service layer turns into pages, timers and timeline entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pagerd.domain.context import AlertContext, Link
from pagerd.domain.errors import AlertAlreadyResolved, NothingToEscalate, TooManyDedupKeys
from pagerd.domain.events import (
    Acknowledged,
    AlertEvent,
    AlertJoined,
    AlertOpened,
    DedupKeyResolved,
    EscalatedManually,
    EscalationExhausted,
    LevelFailed,
    LevelTriggered,
    MaintenanceEnded,
    NoPolicy,
    NoteAdded,
    PagingHeld,
    PagingSuppressed,
    Resolved,
)
from pagerd.domain.maintenance import MaintenanceWindow
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.severity import DEFAULT_PAGING_SEVERITY, Severity, highest

KEYS_SHOWN = 100
"""An alert carries at most its first 100 dedup keys (`dedup_keys`); `dedup_key_count` says
how many it holds. Reading or joining an incident then costs the same whatever its number of
keys; whether it holds a given key is the store's question (an index lookup)."""

MAX_DEDUP_KEYS = 20_000
"""The most dedup keys one incident holds at once. Every alert that joins loads the incident
only with its first KEYS_SHOWN keys, so a join costs the same whatever it holds; the bound
keeps one incident's rows finite, far above what a real incident gathers (an Alertmanager
group per incident, typically a handful; one 10,000-alert notification at most)."""


class TimeoutOutcome(StrEnum):
    """What an acknowledgement timeout did to its alert."""

    STALE = "stale"
    """Not the alert's current level and pass, or the alert is not open: nothing changed."""
    ESCALATED = "escalated"
    """The next level of the same pass was triggered."""
    REPEATED = "repeated"
    """The last level timed out and the policy repeats: level 0 of the next pass."""
    EXHAUSTED = "exhausted"
    """The last level of the last pass timed out: nobody more to page, the alert stays open."""

    @property
    def changed_alert(self) -> bool:
        """Whether the alert has something to store (every outcome but STALE)."""
        return self is not TimeoutOutcome.STALE

    @property
    def pages_again(self) -> bool:
        """Whether a level was triggered, so someone is paged (ESCALATED, REPEATED)."""
        return self in (TimeoutOutcome.ESCALATED, TimeoutOutcome.REPEATED)


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
    """An incident. `level` is the level notified last (`notified_level_id`), None before any.

    `dedup_keys` are its first keys (at most KEYS_SHOWN), `dedup_key_count` all of them;
    `added_keys` and `removed_keys` are the changes not yet stored (the repository drains
    them). `incident_key` is the dedup key that *is* the incident under `dedup_key`
    grouping (None under `service` grouping). `escalation_ended_at` is set once the last
    level of the last pass timed out: nobody is being paged any more.
    """

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
    severity: Severity = Severity.CRITICAL
    source: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    incident_key: str | None = None
    dedup_key_count: int = 0
    dedup_key_seq: int = 0
    escalation_ended_at: datetime | None = None
    events: list[AlertEvent] = field(default_factory=list, compare=False, repr=False)
    added_keys: list[tuple[int, str]] = field(default_factory=list, compare=False, repr=False)
    removed_keys: list[str] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def open(
        cls,
        alert_id: UUID,
        monitored_service_id: UUID,
        message: str,
        dedup_key: str,
        plan: EscalationPlan | None,
        now: datetime,
        context: AlertContext | None = None,
        paging_severity: Severity = DEFAULT_PAGING_SEVERITY,
        incident_key: str | None = None,
        maintenance: MaintenanceWindow | None = None,
    ) -> Alert:
        """Start an incident and page its first level, or record that nobody is paged: no
        policy, a `maintenance` window covering the service (held until `end_maintenance`),
        or a severity below `paging_severity` (held until a qualifying alert joins)."""
        context = context or AlertContext()
        alert = cls(
            id=alert_id,
            monitored_service_id=monitored_service_id,
            message=message,
            created_at=now,
            plan=plan,
            severity=context.severity,
            source=context.source,
            details=dict(context.details),
            links=context.links,
            incident_key=incident_key,
        )
        alert._add_key(dedup_key)
        alert.events.append(
            AlertOpened(
                alert_id,
                now,
                message=message,
                dedup_key=dedup_key,
                severity=context.severity,
                source=context.source,
            )
        )
        if plan is None:
            alert.events.append(NoPolicy(alert_id, now))
        elif maintenance is not None:
            alert.events.append(_suppressed(alert_id, now, maintenance))
        elif not context.severity.at_least(paging_severity):
            alert.events.append(
                PagingHeld(alert_id, now, severity=alert.severity, paging_severity=paging_severity)
            )
        else:
            alert._trigger(0, 0, now)
        return alert

    def join(
        self,
        message: str,
        dedup_key: str,
        now: datetime,
        *,
        held: bool | None = None,
        context: AlertContext | None = None,
        paging_severity: Severity = DEFAULT_PAGING_SEVERITY,
        maintenance: MaintenanceWindow | None = None,
    ) -> None:
        """Record another alert for this incident; its dedup key joins unless `held` already.

        Nobody is paged, except when the incident was held below `paging_severity` and this
        alert is at or above it: then level 0 is paged, unless a `maintenance` window covers
        the service (the incident stays held until the window ends). The incident's severity
        becomes the worse of the two. `held` None means: look in `dedup_keys`, which must then
        be all of them.
        """
        context = context or AlertContext()
        if held is None:
            if self.dedup_key_count > len(self.dedup_keys):
                raise ValueError("this alert carries only its first keys: say whether it holds")
            held = dedup_key in self.dedup_keys
        if not held:
            self._add_key(dedup_key)
        self.severity = highest(self.severity, context.severity)
        self.events.append(
            AlertJoined(
                self.id,
                now,
                message=message,
                dedup_key=dedup_key,
                severity=context.severity,
                source=context.source,
            )
        )
        if self.is_paging_held and context.severity.at_least(paging_severity):
            if maintenance is not None:
                self.events.append(_suppressed(self.id, now, maintenance))
            else:
                self._trigger(0, 0, now)

    @property
    def is_paging_held(self) -> bool:
        """Open, with a plan, and no level paged yet: held below the paging severity, or
        by a maintenance window."""
        return self.status is AlertStatus.OPEN and self.plan is not None and self.level is None

    def end_maintenance(
        self,
        window_id: UUID,
        now: datetime,
        paging_severity: Severity = DEFAULT_PAGING_SEVERITY,
    ) -> bool:
        """The maintenance window holding the incident ended: page level 0 if it is still
        held (open, never paged) and at or above `paging_severity` (below it, it stays held
        like any incident below the paging severity). Returns whether paging started."""
        if not self.is_paging_held or not self.severity.at_least(paging_severity):
            return False
        self.events.append(MaintenanceEnded(self.id, now, window_id=window_id))
        self._trigger(0, 0, now)
        return True

    def _add_key(self, dedup_key: str) -> None:
        """Hold one more key. Raises TooManyDedupKeys when the incident holds
        MAX_DEDUP_KEYS already (the unit of work then rolls back the whole request)."""
        if self.dedup_key_count >= MAX_DEDUP_KEYS:
            raise TooManyDedupKeys(
                f"the incident holds {MAX_DEDUP_KEYS} dedup keys, the most it may; resolve "
                "some, or send this alert with a key the incident holds"
            )
        if len(self.dedup_keys) < KEYS_SHOWN and self.dedup_key_count == len(self.dedup_keys):
            self.dedup_keys.append(dedup_key)
        self.added_keys.append((self.dedup_key_seq, dedup_key))
        self.dedup_key_seq += 1
        self.dedup_key_count += 1

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

    def resolve(self, reason: str, now: datetime, by: str | None = None) -> bool:
        """End the incident. Idempotent; returns whether anything changed."""
        if self.status is AlertStatus.RESOLVED:
            return False
        self.status = AlertStatus.RESOLVED
        self.resolved_at = now
        self.events.append(Resolved(self.id, now, reason=reason, by=by))
        return True

    def resolve_dedup_key(self, dedup_key: str, now: datetime, held: bool | None = None) -> bool:
        """Remove a key a source declared resolved; resolve the alert when none is left.

        Returns whether the alert is now resolved because of this call. An unknown key, or a
        key of an already resolved alert, changes nothing. `held` as in `join`.
        """
        if held is None:
            held = dedup_key in self.dedup_keys
        return self.resolve_dedup_keys([dedup_key] if held else [], now)

    def resolve_dedup_keys(self, held_keys: Iterable[str], now: datetime) -> bool:
        """`resolve_dedup_key` for keys the store says this alert holds (each once)."""
        if self.status is AlertStatus.RESOLVED:
            return False
        for key in held_keys:
            if key in self.dedup_keys:
                self.dedup_keys.remove(key)
            self.removed_keys.append(key)
            self.dedup_key_count -= 1
            self.events.append(DedupKeyResolved(self.id, now, dedup_key=key))
        if self.dedup_key_count > 0 or not self.removed_keys:
            return False
        return self.resolve("all_dedup_keys_resolved", now)

    def escalate(self, by: str | None, now: datetime) -> None:
        """Page the next level now (level 0 of an incident held below the paging severity;
        level 0 of the next pass after the last level while passes are left).

        Raises NothingToEscalate when the alert is not open, has no policy, or has no level
        left to page.
        """
        if self.status is not AlertStatus.OPEN:
            raise NothingToEscalate(f"the alert is {self.status.value}; only open alerts escalate")
        if self.plan is None:
            raise NothingToEscalate("the service had no escalation policy when the alert opened")
        if self.level is None:
            self.events.append(EscalatedManually(self.id, now, by=by))
            self._trigger(0, 0, now)
            return
        if self.level + 1 >= len(self.plan.levels) and self.pass_number >= self.plan.repeat:
            raise NothingToEscalate("the last level of the last pass was already paged")
        self.events.append(EscalatedManually(self.id, now, by=by))
        self._advance(now)

    def add_note(self, text: str, by: str | None, now: datetime) -> None:
        """Write a note on the timeline (any status: notes also serve the review)."""
        self.events.append(NoteAdded(self.id, now, by=by, text=text))

    def ack_timeout(self, level: int, pass_number: int, now: datetime) -> TimeoutOutcome:
        """The timer of (`level`, `pass_number`) fired: escalate if it is still current.

        A timer for a level that is no longer the current one, or for an alert that is not
        open, is stale and changes nothing (STALE). Otherwise the next level is paged
        (ESCALATED), the policy starts its next pass (REPEATED), or escalation ran out
        (EXHAUSTED: recorded, nobody paged).
        """
        if not self._is_current(level, pass_number):
            return TimeoutOutcome.STALE
        return self._advance(now)

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

    def _advance(self, now: datetime) -> TimeoutOutcome:
        assert self.plan is not None
        assert self.level is not None
        if self.level + 1 < len(self.plan.levels):
            self._trigger(self.level + 1, self.pass_number, now)
            return TimeoutOutcome.ESCALATED
        if self.pass_number < self.plan.repeat:
            self._trigger(0, self.pass_number + 1, now)
            return TimeoutOutcome.REPEATED
        self.escalation_ended_at = now
        self.events.append(
            EscalationExhausted(self.id, now, level=self.level, pass_number=self.pass_number)
        )
        return TimeoutOutcome.EXHAUSTED

    def _trigger(self, level: int, pass_number: int, now: datetime) -> None:
        assert self.plan is not None
        step = self.plan.levels[level]
        self.escalation_ended_at = None
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


def _suppressed(alert_id: UUID, now: datetime, window: MaintenanceWindow) -> PagingSuppressed:
    return PagingSuppressed(alert_id, now, window_id=window.id, until=window.end_at)
