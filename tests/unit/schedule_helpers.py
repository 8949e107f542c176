"""Small builders for schedule tests: users, layers, overrides, instants."""

from __future__ import annotations

from datetime import UTC, datetime, time
from uuid import UUID, uuid4

from pagerd.domain.schedule import (
    Layer,
    Override,
    Restriction,
    Rotation,
    RotationType,
    Schedule,
)
from pagerd.domain.schedule_time import to_instant, zone

ALICE = UUID("00000000-0000-4000-8000-00000000000a")
BOB = UUID("00000000-0000-4000-8000-00000000000b")
CAROL = UUID("00000000-0000-4000-8000-00000000000c")
DAVE = UUID("00000000-0000-4000-8000-00000000000d")


def layer(
    people: list[UUID],
    kind: str,
    handoff: str,
    shift_length: int = 1,
    restrictions: tuple[Restriction, ...] = (),
) -> Layer:
    rotation = Rotation(RotationType(kind), shift_length, datetime.fromisoformat(handoff))
    return Layer(tuple(people), rotation, restrictions)


def schedule(time_zone: str, *layers: Layer) -> Schedule:
    return Schedule(uuid4(), "Primary", time_zone, tuple(layers), datetime(2026, 1, 1, tzinfo=UTC))


def restriction(days: str, start: str, end: str) -> Restriction:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return Restriction(
        frozenset(names.index(d) for d in days.split(",")),
        time.fromisoformat(start),
        time.fromisoformat(end),
    )


def override(user: UUID, start: datetime, end: datetime, created: int = 0) -> Override:
    made = datetime(2026, 1, 1, tzinfo=UTC).replace(second=created % 60, minute=created // 60)
    return Override(uuid4(), uuid4(), user, start, end, made)


def utc(text: str) -> datetime:
    """An aware UTC instant from `2026-03-08T07:00`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, time_zone: str) -> datetime:
    """The instant of a wall-clock reading in a zone (forward in gaps, first in folds)."""
    return to_instant(datetime.fromisoformat(text), zone(time_zone))
