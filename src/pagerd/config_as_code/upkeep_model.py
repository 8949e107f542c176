"""Declared maintenance windows and heartbeat monitors of a service, as a file states them.

Both compare by content. A window is identified by its start and end (its reason may
change in place); a heartbeat by its name. A heartbeat's secret ping token is never
declared nor exported: pagerd makes it, and the service page and the API show the ping URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pagerd.domain.heartbeat import Heartbeat
from pagerd.domain.maintenance import MaintenanceWindow


@dataclass(frozen=True)
class DeclaredWindow:
    """A maintenance window over [start_at, end_at) (aware instants, in UTC)."""

    start_at: datetime
    end_at: datetime
    reason: str | None = None

    @classmethod
    def of(cls, window: MaintenanceWindow) -> DeclaredWindow:
        """The content of a stored window."""
        return cls(window.start_at.astimezone(UTC), window.end_at.astimezone(UTC), window.reason)

    @property
    def span(self) -> tuple[datetime, datetime]:
        """What identifies the window: its start and end."""
        return (self.start_at, self.end_at)


@dataclass(frozen=True)
class DeclaredHeartbeat:
    """A heartbeat monitor, matched by name within its service."""

    name: str
    interval_seconds: int
    grace_seconds: int = 0

    @classmethod
    def of(cls, heartbeat: Heartbeat) -> DeclaredHeartbeat:
        """The content of a stored heartbeat (never its ping token)."""
        return cls(
            heartbeat.name,
            int(heartbeat.interval.total_seconds()),
            int(heartbeat.grace.total_seconds()),
        )
