"""On-call schedules: layers of rotations in a time zone, restrictions, overrides.

A schedule answers two questions (see `schedule_final`): who is on call at an instant, and
the final shifts between two instants. Its parts are plain values; `build_schedule` validates
a requested schedule and names every bad field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum
from uuid import UUID


class RotationType(Enum):
    """The unit of a rotation's shift length."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def unit(self) -> timedelta:
        """One unit of wall-clock time."""
        return _UNITS[self]


_UNITS = {
    RotationType.HOURLY: timedelta(hours=1),
    RotationType.DAILY: timedelta(days=1),
    RotationType.WEEKLY: timedelta(weeks=1),
}

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Rotation:
    """Participants take turns, each for `shift_length` units of local wall-clock time.

    `handoff` is a naive local date-time: participant 0 starts a shift then, and the
    rotation extends both ways from it (a handoff in the future leaves no gap before it).
    """

    type: RotationType
    shift_length: int
    handoff: datetime

    @property
    def step(self) -> timedelta:
        """The wall-clock length of one shift."""
        return self.type.unit * self.shift_length


@dataclass(frozen=True)
class Restriction:
    """A window a layer is active in: from `start` on each of `days` (0 = Monday) to `end`.

    An `end` at or before `start` ends on the next day (a night crossing midnight); an `end`
    equal to `start` makes a 24-hour window.
    """

    days: frozenset[int]
    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        """Whether the window ends on the day after it starts."""
        return self.end <= self.start


@dataclass(frozen=True)
class Layer:
    """One rotation of people; outside its restrictions (when it has any) it has nobody."""

    participants: tuple[UUID, ...]
    rotation: Rotation
    restrictions: tuple[Restriction, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """Layers in an IANA zone; a later layer wins wherever it has somebody."""

    id: UUID
    name: str
    time_zone: str
    layers: tuple[Layer, ...]
    created_at: datetime


@dataclass(frozen=True)
class Override:
    """`user_id` is on call for the schedule in [start_at, end_at), over every layer.

    Where overrides overlap, the one created last wins.
    """

    id: UUID
    schedule_id: UUID
    user_id: UUID
    start_at: datetime
    end_at: datetime
    created_at: datetime

    def covers(self, at: datetime) -> bool:
        """Whether the override holds at the instant `at` (start included, end excluded)."""
        return self.start_at <= at < self.end_at

    @property
    def precedence(self) -> tuple[datetime, UUID]:
        """The greater precedence wins where overrides overlap."""
        return (self.created_at, self.id)


@dataclass(frozen=True)
class OnCall:
    """Who is on call at one instant, and why: a layer index, an override, or nobody."""

    user_id: UUID | None
    layer: int | None = None
    override_id: UUID | None = None


NOBODY = OnCall(None)


@dataclass(frozen=True)
class Shift:
    """A stretch [start_at, end_at) of the final schedule with one answer; `user_id` None is
    a gap."""

    start_at: datetime
    end_at: datetime
    user_id: UUID | None
    layer: int | None = None
    override_id: UUID | None = None

    @property
    def on_call(self) -> OnCall:
        """The answer that holds throughout the shift."""
        return OnCall(self.user_id, self.layer, self.override_id)
