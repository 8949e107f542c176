"""Maintenance windows: planned work on a service, during which its alerts page nobody.

A window covers [start_at, end_at). Alerts arriving while one covers the service are
recorded as usual, and the incident they open is held: nobody is paged. When the last window
covering the service ends, a held incident still open starts escalating from level 0. The
end is a timer: `ended_at` stays None until the engine has acted on it (exactly once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

MAX_LENGTH = timedelta(days=366)
MAX_REASON_LENGTH = 500


class WindowPhase(StrEnum):
    """Where a window stands at an instant."""

    PLANNED = "planned"
    CURRENT = "current"
    PAST = "past"


@dataclass
class MaintenanceWindow:
    """One window of one service."""

    id: UUID
    monitored_service_id: UUID
    start_at: datetime
    end_at: datetime
    reason: str | None
    created_at: datetime
    ended_at: datetime | None = None

    @classmethod
    def plan(
        cls,
        service_id: UUID,
        start_at: datetime,
        end_at: datetime,
        reason: str | None,
        now: datetime,
    ) -> MaintenanceWindow:
        """A new window; its end must be after both its start and now, within a year."""
        if end_at <= start_at:
            raise ValueError("end must be after start")
        if end_at <= now:
            raise ValueError("end must be in the future")
        if end_at - start_at > MAX_LENGTH:
            raise ValueError("a window lasts at most 366 days")
        return cls(uuid4(), service_id, start_at, end_at, reason, now)

    def covers(self, at: datetime) -> bool:
        """Whether the window is under way at `at` (and has not been ended early)."""
        return self.ended_at is None and self.start_at <= at < self.end_at

    def phase(self, at: datetime) -> WindowPhase:
        """Planned, current or past at `at`."""
        if self.ended_at is not None or at >= self.end_at:
            return WindowPhase.PAST
        return WindowPhase.CURRENT if at >= self.start_at else WindowPhase.PLANNED

    def end(self, now: datetime) -> None:
        """The engine acted on the window's end (or it was cut short): no longer covering."""
        self.ended_at = now
