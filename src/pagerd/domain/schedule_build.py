"""Schedules and overrides as people ask for them, validated into domain values.

Every bad field is named with a dotted path (`layers.1.restrictions.0.start`), all at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4

from pagerd.domain.errors import FieldError, InvalidSchedule
from pagerd.domain.schedule import (
    DAY_NAMES,
    Layer,
    Override,
    Restriction,
    Rotation,
    RotationType,
    Schedule,
)
from pagerd.domain.schedule_time import is_time_zone

MAX_NAME_LENGTH = 200
MAX_LAYERS = 20
MAX_PARTICIPANTS = 200
MAX_RESTRICTIONS = 28
MAX_SHIFT_UNITS = {RotationType.HOURLY: 24 * 366, RotationType.DAILY: 366, RotationType.WEEKLY: 53}
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_OVERRIDE = timedelta(days=366)


@dataclass(frozen=True)
class RestrictionSpec:
    """A restriction as asked: day names (`mon`..`sun`) and `HH:MM` start and end."""

    days: Sequence[str]
    start: str
    end: str


@dataclass(frozen=True)
class LayerSpec:
    """A layer as asked; `handoff` is an ISO 8601 local date-time without offset."""

    participants: Sequence[UUID]
    rotation_type: str
    shift_length: int
    handoff: str
    restrictions: Sequence[RestrictionSpec] = field(default_factory=tuple)


def build_schedule(
    name: str,
    time_zone: str,
    layers: Sequence[LayerSpec],
    created_at: datetime,
    schedule_id: UUID | None = None,
) -> Schedule:
    """Validate a requested schedule; raise InvalidSchedule naming every bad field."""
    problems: list[FieldError] = []
    clean_name = name.strip()
    if not clean_name or len(clean_name) > MAX_NAME_LENGTH:
        problems.append(FieldError("name", f"must have 1 to {MAX_NAME_LENGTH} characters"))
    if not is_time_zone(time_zone):
        problems.append(FieldError("time_zone", "must be an IANA time zone such as Europe/Paris"))
    if len(layers) > MAX_LAYERS:
        problems.append(FieldError("layers", f"must have at most {MAX_LAYERS} layers"))
    built = tuple(_layer(f"layers.{i}", spec, problems) for i, spec in enumerate(layers))
    if problems:
        raise InvalidSchedule(problems)
    return Schedule(
        id=schedule_id or uuid4(),
        name=clean_name,
        time_zone=time_zone,
        layers=tuple(layer for layer in built if layer is not None),
        created_at=created_at,
    )


def _layer(path: str, spec: LayerSpec, problems: list[FieldError]) -> Layer | None:
    before = len(problems)
    if not 1 <= len(spec.participants) <= MAX_PARTICIPANTS:
        problems.append(
            FieldError(f"{path}.participants", f"must name 1 to {MAX_PARTICIPANTS} users")
        )
    rotation = _rotation(f"{path}.rotation", spec, problems)
    if len(spec.restrictions) > MAX_RESTRICTIONS:
        problems.append(
            FieldError(f"{path}.restrictions", f"must have at most {MAX_RESTRICTIONS} entries")
        )
    restrictions = tuple(
        _restriction(f"{path}.restrictions.{i}", r, problems)
        for i, r in enumerate(spec.restrictions)
    )
    if len(problems) > before or rotation is None:
        return None
    return Layer(
        participants=tuple(spec.participants),
        rotation=rotation,
        restrictions=tuple(r for r in restrictions if r is not None),
    )


def _rotation(path: str, spec: LayerSpec, problems: list[FieldError]) -> Rotation | None:
    try:
        kind = RotationType(spec.rotation_type.strip().lower())
    except ValueError:
        problems.append(FieldError(f"{path}.type", "must be hourly, daily or weekly"))
        return None
    limit = MAX_SHIFT_UNITS[kind]
    if not 1 <= spec.shift_length <= limit:
        problems.append(FieldError(f"{path}.shift_length", f"must be between 1 and {limit}"))
    handoff = parse_local_datetime(spec.handoff)
    if handoff is None:
        problems.append(
            FieldError(
                f"{path}.handoff",
                "must be a local date-time without offset between 1970 and 2200, "
                "such as 2026-01-05T09:00",
            )
        )
    if handoff is None or not 1 <= spec.shift_length <= limit:
        return None
    return Rotation(kind, spec.shift_length, handoff)


def parse_local_datetime(text: str) -> datetime | None:
    """A naive local date-time from ISO 8601 without offset (seconds dropped), or None."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is not None or not EARLIEST.year <= value.year < LATEST.year:
        return None
    return value.replace(second=0, microsecond=0)


def _restriction(
    path: str, spec: RestrictionSpec, problems: list[FieldError]
) -> Restriction | None:
    days = [DAY_NAMES.index(d.strip().lower()) for d in spec.days if _is_day(d)]
    ok = True
    if not spec.days or len(days) != len(spec.days):
        problems.append(FieldError(f"{path}.days", "must list days among mon..sun"))
        ok = False
    start, end = parse_clock(spec.start), parse_clock(spec.end)
    if start is None:
        problems.append(FieldError(f"{path}.start", "must be a time HH:MM"))
    if end is None:
        problems.append(FieldError(f"{path}.end", "must be a time HH:MM"))
    if not ok or start is None or end is None:
        return None
    return Restriction(frozenset(days), start, end)


def _is_day(name: str) -> bool:
    return name.strip().lower() in DAY_NAMES


def parse_clock(text: str) -> time | None:
    """A wall-clock time from `HH:MM` (00:00..23:59), or None."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def build_override(
    schedule_id: UUID,
    user_id: UUID,
    start_at: datetime,
    end_at: datetime,
    created_at: datetime,
    override_id: UUID | None = None,
) -> Override:
    """Validate a requested override (aware instants, start before end, at most a year)."""
    problems: list[FieldError] = []
    for name, value in (("start", start_at), ("end", end_at)):
        if value.tzinfo is None:
            problems.append(FieldError(name, "must carry a time zone offset, such as Z"))
        elif not EARLIEST <= value < LATEST:
            problems.append(FieldError(name, "must be between 1970 and 2200"))
    if not problems and end_at <= start_at:
        problems.append(FieldError("end", "must be after start"))
    if not problems and end_at - start_at > MAX_OVERRIDE:
        problems.append(FieldError("end", "an override lasts at most 366 days"))
    if problems:
        raise InvalidSchedule(problems)
    return Override(
        id=override_id or uuid4(),
        schedule_id=schedule_id,
        user_id=user_id,
        start_at=start_at.astimezone(UTC),
        end_at=end_at.astimezone(UTC),
        created_at=created_at,
    )
