"""Acknowledgement timers: rows with a due time, tied to (alert, level, pass).

A timer only asks "is this level still unanswered?". When it fires, the alert decides; a timer
that no longer matches its alert's current level and pass is a no-op, which makes stale,
duplicate and late timers harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from pagerd.domain.alert import TimeoutOutcome
from pagerd.domain.channels import Channel


@dataclass(frozen=True)
class AckTimer:
    """Fires at `due_at` unless cancelled; at most one is pending per alert."""

    id: UUID
    alert_id: UUID
    level: int
    pass_number: int
    due_at: datetime

    @classmethod
    def arm(cls, alert_id: UUID, level: int, pass_number: int, due_at: datetime) -> AckTimer:
        """A new timer for one level of one pass."""
        return cls(
            id=uuid4(), alert_id=alert_id, level=level, pass_number=pass_number, due_at=due_at
        )


@dataclass(frozen=True)
class FiredTimer:
    """A timer that was consumed: how late it fired and what it did to its alert."""

    timer: AckTimer
    lateness: timedelta
    outcome: TimeoutOutcome

    @property
    def escalated(self) -> bool:
        """Whether a level was triggered (someone is paged): not when stale or exhausted."""
        return self.outcome.pages_again


@dataclass(frozen=True)
class RuleTimer:
    """A later notification rule of a paged user: page one contact method at `due_at`.

    Tied to (alert, level, pass) and the contact method, whose channel and address are
    frozen when the level triggers. Acknowledge and resolve delete it; firing deletes it
    in the same transaction that writes its page, so it fires at most once.
    """

    id: UUID
    alert_id: UUID
    level: int
    pass_number: int
    user_id: UUID
    contact_method_id: UUID
    channel: Channel
    address: str
    due_at: datetime
