"""Heartbeat monitors: a job that should check in every so often, and the deadline it keeps.

A heartbeat is due at `deadline_at` (its last ping, or its creation, plus interval and
grace). Passing the deadline without a ping is a miss: the heartbeat turns `late`, which
opens or joins an alert with the dedup key `heartbeat:<name>`, and no further deadline is
kept until the next ping (one miss, one alert). The next ping resolves that key and sets a
new deadline. The deadline is a column of the heartbeat's row: the timer is the row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

MIN_INTERVAL = timedelta(seconds=60)
MAX_GRACE = timedelta(seconds=86_400)
DEDUP_PREFIX = "heartbeat:"


@dataclass
class Heartbeat:
    """One monitor of one service. `ping_token` is the secret part of its ping URL."""

    id: UUID
    monitored_service_id: UUID
    name: str
    interval: timedelta
    grace: timedelta
    ping_token: str
    created_at: datetime
    deadline_at: datetime | None
    last_ping_at: datetime | None = None
    late: bool = False

    @classmethod
    def create(
        cls,
        service_id: UUID,
        name: str,
        interval: timedelta,
        grace: timedelta,
        now: datetime,
    ) -> Heartbeat:
        """A new monitor whose first ping is due one interval (plus grace) from now."""
        if interval < MIN_INTERVAL:
            raise ValueError("interval must be at least 60 seconds")
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise ValueError("grace must be between 0 and 86400 seconds")
        return cls(
            id=uuid4(),
            monitored_service_id=service_id,
            name=name,
            interval=interval,
            grace=grace,
            ping_token=secrets.token_urlsafe(24),
            created_at=now,
            deadline_at=now + interval + grace,
        )

    def retime(self, interval: timedelta, grace: timedelta) -> None:
        """A new interval and grace. A deadline being kept moves to the last ping (or the
        creation) plus the new interval and grace; a late heartbeat stays late."""
        if interval < MIN_INTERVAL:
            raise ValueError("interval must be at least 60 seconds")
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise ValueError("grace must be between 0 and 86400 seconds")
        self.interval, self.grace = interval, grace
        if self.deadline_at is not None:
            self.deadline_at = (self.last_ping_at or self.created_at) + interval + grace

    @property
    def dedup_key(self) -> str:
        """The key of the alert a miss opens or joins."""
        return DEDUP_PREFIX + self.name

    def ping(self, now: datetime) -> bool:
        """The job checked in: a new deadline. Returns whether it was late (its alert's key
        is then to be resolved)."""
        was_late = self.late
        self.last_ping_at = now
        self.deadline_at = now + self.interval + self.grace
        self.late = False
        return was_late

    def is_missed(self, now: datetime) -> bool:
        """Whether the deadline has passed without a ping (a deadline is kept, inclusive)."""
        return not self.late and self.deadline_at is not None and now > self.deadline_at

    def miss(self, now: datetime) -> str | None:
        """Mark the heartbeat late if its deadline has passed; return the alert message, or
        None when it is not missed (pinged meanwhile, already late)."""
        if not self.is_missed(now):
            return None
        self.late = True
        self.deadline_at = None
        return self.missed_message()

    def missed_message(self) -> str:
        """What the alert says, for a person: since when, and how often it should ping."""
        since = (
            f"since {_clock_time(self.last_ping_at)}"
            if self.last_ping_at is not None
            else f"since it was created at {_clock_time(self.created_at)}"
        )
        return f"{self.name} has not checked in {since}, expected every {_span(self.interval)}"


def _clock_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _span(interval: timedelta) -> str:
    """24 h, 90 min, 5 min, 75 s: the largest whole unit."""
    seconds = int(interval.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
