"""Who is on call: point queries, final shift lists, the overview, schedule targets, gaps.

Read-only use cases over the schedule maths of the domain. Users who are disabled or no
longer exist count as nobody (their shifts are gaps unless a lower layer has somebody).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from pagerd.domain.accounts import User
from pagerd.domain.errors import FieldError, InvalidSchedule
from pagerd.domain.schedule import NOBODY, OnCall, Schedule, Shift
from pagerd.domain.schedule_final import final_shifts, gaps, on_call_at
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.schedules import is_disabled, require_schedule, services_targeting

MAX_SHIFT_LISTING = timedelta(days=90)
LOOK_AHEAD = timedelta(days=90)
LOOK_AHEAD_STEPS = (timedelta(days=2), timedelta(days=14), LOOK_AHEAD)
GAP_HORIZON = timedelta(days=28)


@dataclass(frozen=True)
class OnCallAnswer:
    """Who is on call at `at`, with the user's record (None for nobody)."""

    at: datetime
    on_call: OnCall
    user: User | None


@dataclass(frozen=True)
class ScheduleNow:
    """A schedule's answer now: who, until when (None: no change within 90 days), and the
    stretch after that (its user None for a gap)."""

    schedule: Schedule
    current: Shift
    until: datetime | None
    following: Shift | None


@dataclass(frozen=True)
class ScheduleGaps:
    """A schedule targeted by a policy, and its stretches with nobody on call."""

    schedule: Schedule
    service_names: list[str]
    gaps: list[Shift]


def who_is_on_call(uow: UnitOfWork, schedule_id: UUID, at: datetime) -> OnCallAnswer:
    """Who the schedule has on call at the instant `at`."""
    with uow:
        schedule = require_schedule(uow, schedule_id)
        unavailable = Unavailable(uow)
        on_call = resolve_on_call(uow, schedule, at, unavailable)
        user = unavailable.user(on_call.user_id) if on_call.user_id else None
        return OnCallAnswer(at, on_call, user)


def resolve_on_call(
    uow: UnitOfWork, schedule: Schedule, at: datetime, unavailable: Unavailable | None = None
) -> OnCall:
    """Who `schedule` has at `at`, inside an open unit of work: what a schedule target of a
    policy resolves to when its level triggers (nobody: the level has nobody to page)."""
    overrides = uow.schedules.overrides_between(schedule.id, at, at + timedelta(microseconds=1))
    return on_call_at(schedule, overrides, at, unavailable or Unavailable(uow))


@dataclass(frozen=True)
class ScheduleResolution:
    """What a schedule target resolved to: the schedule (None once deleted) and who it has
    on call (nobody for a deleted schedule)."""

    schedule: Schedule | None
    on_call: OnCall


def resolve_schedule_target(uow: UnitOfWork, schedule_id: UUID, at: datetime) -> ScheduleResolution:
    """Whom a policy target `{"type": "schedule", "schedule_id"}` pages when its level
    triggers at `at`, inside the trigger's open unit of work: the person on call, or nobody
    (also for a schedule deleted since), in which case the target reaches nobody."""
    schedule = uow.schedules.get(schedule_id)
    on_call = NOBODY if schedule is None else resolve_on_call(uow, schedule, at)
    return ScheduleResolution(schedule, on_call)


def schedule_summary(schedule: Schedule | None, user: User | None) -> str:
    """A resolved schedule target for people: "Primary: alice" or "Primary: nobody on call"."""
    schedule_name = schedule.name if schedule is not None else "a deleted schedule"
    return f"{schedule_name}: {user.name if user is not None else 'nobody on call'}"


def shifts_between(
    uow: UnitOfWork, schedule_id: UUID, start_at: datetime, end_at: datetime
) -> list[Shift]:
    """The final schedule over [start_at, end_at), gaps included; at most 90 days."""
    check_span(start_at, end_at, MAX_SHIFT_LISTING)
    with uow:
        schedule = require_schedule(uow, schedule_id)
        return final_schedule(uow, schedule, start_at, end_at)


def on_call_overview(
    uow: UnitOfWork, now: datetime, limit: int, after: tuple[datetime, UUID] | None = None
) -> list[ScheduleNow]:
    """For each schedule (oldest first, a page of `limit`): who is on call now and next."""
    with uow:
        return [_now_and_next(uow, s, now) for s in uow.schedules.list(limit, after)]


def schedule_gaps(uow: UnitOfWork, now: datetime, every: bool = False) -> list[ScheduleGaps]:
    """The schedules with nobody on call at some time in the next 28 days, with those times:
    those some escalation policy targets (a gap there is a page nobody gets), or with
    `every` all of them."""
    found: list[ScheduleGaps] = []
    with uow:
        after = None
        while batch := uow.schedules.list(500, after):
            for schedule in batch:
                services = services_targeting(uow, schedule.id)
                if not services and not every:
                    continue
                empty = gaps(final_schedule(uow, schedule, now, now + GAP_HORIZON))
                if empty:
                    found.append(ScheduleGaps(schedule, sorted(s.name for s in services), empty))
            after = (batch[-1].created_at, batch[-1].id)
    return found


class Unavailable:
    """Whether a user cannot be paged (deleted or disabled), asked of the store the first
    time the schedule maths needs to know, then remembered: a lookup reads the few users it
    meets, not every participant."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._users: dict[object, User | None] = {}

    def __contains__(self, user_id: object) -> bool:
        user = self.user(user_id)
        return user is None or is_disabled(user)

    def user(self, user_id: object) -> User | None:
        """The stored user (None when deleted), read once."""
        if user_id not in self._users:
            found = self._uow.users.get(user_id) if isinstance(user_id, UUID) else None
            self._users[user_id] = found
        return self._users[user_id]


def check_span(start_at: datetime, end_at: datetime, longest: timedelta) -> None:
    """Raise InvalidSchedule unless `to` is after `from` and at most `longest` later."""
    if end_at <= start_at:
        raise InvalidSchedule([FieldError("to", "must be after from")])
    if end_at - start_at > longest:
        raise InvalidSchedule([FieldError("to", f"must be at most {longest.days} days after from")])


def final_schedule(
    uow: UnitOfWork, schedule: Schedule, start_at: datetime, end_at: datetime
) -> list[Shift]:
    """The final schedule of `schedule` over [start_at, end_at), inside an open unit of work."""
    overrides = uow.schedules.overrides_between(schedule.id, start_at, end_at)
    return final_shifts(schedule, overrides, start_at, end_at, Unavailable(uow))


def _now_and_next(uow: UnitOfWork, schedule: Schedule, now: datetime) -> ScheduleNow:
    # Look two days ahead first, further only when nobody changes by then: most schedules
    # hand off within days, and a 90-day shift list costs tens of milliseconds.
    for horizon in LOOK_AHEAD_STEPS:
        stretches = by_person(final_schedule(uow, schedule, now, now + horizon))
        if len(stretches) > 2:  # the next stretch's end is known too
            break
    following = stretches[1] if len(stretches) > 1 else None
    until = following.start_at if following is not None else None
    return ScheduleNow(schedule, stretches[0], until, following)


def by_person(shifts: list[Shift]) -> list[Shift]:
    """Adjacent shifts of the same person (or adjacent gaps) as one, named by the first."""
    merged: list[Shift] = []
    for shift in shifts:
        if merged and merged[-1].user_id == shift.user_id:
            merged[-1] = replace(merged[-1], end_at=shift.end_at)
        else:
            merged.append(shift)
    return merged
