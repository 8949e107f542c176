"""What the schedule pages show: who is on call now and next, and two weeks drawn day by day.

Times are shown in the schedule's own zone. A day is drawn as bars on a 24-hour line (SVG
attributes, no inline styles, so the page keeps its strict content security policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pagerd.domain.schedule import Schedule, Shift
from pagerd.domain.schedule_time import to_instant, to_local, zone
from pagerd.service_layer.on_call import by_person, final_schedule
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.users import every_user

DRAWN_DAYS = 14
MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class Bar:
    """One stretch of a drawn day: minutes from local midnight, who (None: nobody), and a
    colour class that is the same for a person throughout the page."""

    start: int
    width: int
    name: str | None
    tone: int
    label: str


@dataclass(frozen=True)
class DrawnDay:
    """A local day of the schedule and its bars."""

    day: date
    bars: list[Bar]


@dataclass(frozen=True)
class Stretch:
    """A person's (or a gap's) stretch, with local readings for the page."""

    shift: Shift
    name: str | None
    starts: str
    ends: str


def user_names(uow: UnitOfWork) -> dict[UUID, str]:
    """Every user's name by id (inside an open unit of work)."""
    return {user.id: user.name for user in every_user(uow)}


def stretches(
    uow: UnitOfWork, schedule: Schedule, start_at: datetime, end_at: datetime
) -> list[Stretch]:
    """The schedule's stretches by person over [start_at, end_at), named, in local time."""
    names = user_names(uow)
    tz = zone(schedule.time_zone)
    found = []
    for shift in by_person(final_schedule(uow, schedule, start_at, end_at)):
        name = names.get(shift.user_id, "unknown user") if shift.user_id else None
        found.append(Stretch(shift, name, _local(shift.start_at, tz), _local(shift.end_at, tz)))
    return found


def drawn_days(
    uow: UnitOfWork, schedule: Schedule, now: datetime
) -> tuple[list[DrawnDay], list[tuple[str, int]]]:
    """The next DRAWN_DAYS local days, from today's local midnight, and the legend: each
    person's name and colour class."""
    tz = zone(schedule.time_zone)
    first = to_local(now, tz).date()
    start_at = to_instant(datetime.combine(first, time()), tz)
    end_at = to_instant(datetime.combine(first + timedelta(days=DRAWN_DAYS), time()), tz)
    names = user_names(uow)
    tones: dict[UUID, int] = {}
    shifts = by_person(final_schedule(uow, schedule, start_at, end_at))
    days = []
    for offset in range(DRAWN_DAYS):
        day = first + timedelta(days=offset)
        begin = to_instant(datetime.combine(day, time()), tz)
        finish = to_instant(datetime.combine(day + timedelta(days=1), time()), tz)
        days.append(DrawnDay(day, _bars(shifts, (begin, finish), names, tones, tz)))
    legend = [(names.get(user_id, "unknown user"), tone) for user_id, tone in tones.items()]
    return days, legend


def _bars(
    shifts: list[Shift],
    day: tuple[datetime, datetime],
    names: dict[UUID, str],
    tones: dict[UUID, int],
    tz: ZoneInfo,
) -> list[Bar]:
    begin, finish = day
    scale = MINUTES_A_DAY / ((finish - begin).total_seconds() / 60)  # 23 or 25-hour days
    bars = []
    for shift in shifts:
        start, end = max(shift.start_at, begin), min(shift.end_at, finish)
        if start >= end:
            continue
        x = round((start - begin).total_seconds() / 60 * scale)
        width = max(1, round((end - start).total_seconds() / 60 * scale))
        name = names.get(shift.user_id, "unknown user") if shift.user_id else None
        tone = tones.setdefault(shift.user_id, len(tones) % 6) if shift.user_id else -1
        label = f"{name or 'Nobody'}: {_local(start, tz)} to {_local(end, tz)}"
        bars.append(Bar(x, width, name, tone, label))
    return bars


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %d %b %H:%M")
