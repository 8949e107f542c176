"""Each user's shifts as a calendar feed at a secret URL (only the token's hash is stored)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pagerd.domain.accounts import User
from pagerd.domain.roles import COMMAND_LINE, Actor
from pagerd.domain.schedule import Schedule, Shift
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import Forbidden, NotFound
from pagerd.service_layer.on_call import by_person, final_schedule
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.tokens import hash_token

FEED_PAST = timedelta(days=14)
FEED_AHEAD = timedelta(days=90)


@dataclass(frozen=True)
class CalendarShift:
    """One stretch a user is on call for one schedule."""

    schedule: Schedule
    shift: Shift


@dataclass(frozen=True)
class UserCalendar:
    """A user's shifts over every schedule, from two weeks ago to 90 days ahead."""

    user: User
    generated_at: datetime
    shifts: list[CalendarShift]


@retry_on_conflict
def create_calendar_feed(
    uow: UnitOfWork, clock: Clock, user_id: UUID, actor: Actor = COMMAND_LINE
) -> str:
    """A new secret token for the user's feed (shown once); an earlier one stops working.
    Raises Forbidden when `actor` may not edit `user_id`'s profile (responders make their
    own feed only). The audit log records that a feed was made, never its token."""
    if not actor.may_edit_profile_of(user_id):
        raise Forbidden(
            f"{actor.name} is a {actor.role.value}: responders may make only their own "
            "calendar feed; an admin may make anyone's"
        )
    token = secrets.token_urlsafe(32)
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        uow.schedules.set_calendar_token(user_id, hash_token(token), clock.now())
        after = {"user_id": user_id, "user_name": user.name}
        record_audit(uow, clock, actor, "calendar_feed.created", user_id, after=after)
        uow.commit()
    return token


def calendar_of_token(uow: UnitOfWork, clock: Clock, token: str) -> UserCalendar:
    """The calendar a feed token opens; NotFound for an unknown or replaced token."""
    now = clock.now()
    with uow:
        user_id = uow.schedules.user_of_calendar_token(hash_token(token))
        user = uow.users.get(user_id) if user_id is not None else None
        if user is None:
            raise NotFound("calendar", "feed")
        found: list[CalendarShift] = []
        after = None
        while batch := uow.schedules.list(500, after):
            for schedule in batch:
                shifts = by_person(final_schedule(uow, schedule, now - FEED_PAST, now + FEED_AHEAD))
                found += [CalendarShift(schedule, s) for s in shifts if s.user_id == user.id]
            after = (batch[-1].created_at, batch[-1].id)
    found.sort(key=lambda c: (c.shift.start_at, c.schedule.name))
    return UserCalendar(user, now, found)
