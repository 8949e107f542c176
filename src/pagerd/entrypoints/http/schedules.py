"""`/api/v1/schedules`: on-call schedules, their overrides, who is on call, the final shifts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from pagerd.bootstrap import Container
from pagerd.domain.errors import FieldError, InvalidSchedule
from pagerd.domain.roles import Permission
from pagerd.domain.schedule_build import EARLIEST, LATEST
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.on_call_schemas import GapOut, OnCallOut, ShiftOut, ShiftsOut
from pagerd.entrypoints.http.pagination import DEFAULT_LIMIT, CursorParam, Limit, Page, keyset_list
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.entrypoints.http.schedule_schemas import (
    EXAMPLE_OVERRIDE,
    EXAMPLE_SCHEDULE,
    OverrideIn,
    OverrideOut,
    ScheduleIn,
    ScheduleOut,
)
from pagerd.entrypoints.http.users import UserOut
from pagerd.service_layer import on_call, schedules

ScheduleId = Annotated[
    UUID, Path(alias="id", description="The schedule's id.", examples=[EXAMPLE_SCHEDULE])
]
OverrideId = Annotated[
    UUID, Path(alias="oid", description="The override's id.", examples=[EXAMPLE_OVERRIDE])
]
Instant = Annotated[
    datetime | None,
    Query(
        description="RFC 3339 instant with an offset; default: now.",
        examples=["2026-12-24T18:00:00Z"],
    ),
]
From = Annotated[
    datetime | None,
    Query(
        alias="from",
        description="RFC 3339 instant with an offset; default: now.",
        examples=["2026-11-30T00:00:00Z"],
    ),
]
To = Annotated[
    datetime | None,
    Query(
        alias="to",
        description="RFC 3339 instant with an offset, after `from`.",
        examples=["2026-12-14T00:00:00Z"],
    ),
]
DEFAULT_SHIFT_SPAN = timedelta(days=14)
DEFAULT_OVERRIDE_SPAN = timedelta(days=90)


def instant(name: str, value: datetime | None, default: datetime) -> datetime:
    """A query instant in UTC; 422 naming `name` when it has no offset or is out of range."""
    if value is None:
        return default
    if value.tzinfo is None:
        raise InvalidSchedule([FieldError(name, "must carry a time zone offset, such as Z")])
    if not EARLIEST <= value < LATEST:
        raise InvalidSchedule([FieldError(name, "must be between 1970 and 2200")])
    return value.astimezone(UTC)


def build_router(container: Container) -> APIRouter:
    """The schedule routes, bound to `container`."""
    router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])
    clock = container.clock

    @router.post(
        "",
        status_code=201,
        responses=responses(403, 409, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def create_schedule(body: ScheduleIn, uow: UoW, actor: CurrentActor) -> ScheduleOut:
        """Create a schedule; participants must be existing users; 409 if the name is taken."""
        layers = [layer.spec() for layer in body.layers]
        created = schedules.create_schedule(uow, clock, body.name, body.time_zone, layers, actor)
        return ScheduleOut.of(created)

    @router.get("", responses=responses(422), dependencies=[needs(Permission.READ)])
    def list_schedules(
        uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[ScheduleOut]:
        """Every schedule, oldest first."""
        with uow:
            return keyset_list(uow.schedules.list, ScheduleOut.of, limit, cursor)

    @router.get("/{id}", responses=responses(404), dependencies=[needs(Permission.READ)])
    def get_schedule(schedule_id: ScheduleId, uow: UoW) -> ScheduleOut:
        """One schedule."""
        return ScheduleOut.of(schedules.get_schedule(uow, schedule_id))

    @router.put(
        "/{id}",
        responses=responses(403, 404, 409, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def put_schedule(
        schedule_id: ScheduleId, body: ScheduleIn, uow: UoW, actor: CurrentActor
    ) -> ScheduleOut:
        """Replace the schedule's name, time zone and layers (its overrides stay)."""
        layers = [layer.spec() for layer in body.layers]
        replaced = schedules.replace_schedule(
            uow, clock, schedule_id, body.name, body.time_zone, layers, actor
        )
        return ScheduleOut.of(replaced)

    @router.delete(
        "/{id}",
        status_code=204,
        responses=responses(403, 404, 409),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def delete_schedule(schedule_id: ScheduleId, uow: UoW, actor: CurrentActor) -> Response:
        """Delete the schedule and its overrides; 409 while an escalation policy targets it."""
        schedules.delete_schedule(uow, clock, schedule_id, actor)
        return Response(status_code=204)

    _override_routes(router, container)
    _on_call_routes(router, container)
    return router


def _override_routes(router: APIRouter, container: Container) -> None:
    clock = container.clock

    @router.post(
        "/{id}/overrides",
        status_code=201,
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def add_override(
        schedule_id: ScheduleId, body: OverrideIn, uow: UoW, actor: CurrentActor
    ) -> OverrideOut:
        """Put a user on call over every layer from `start` to `end`. Responders may put only
        themselves on call (403 for anyone else); admins anyone."""
        span = (body.start, body.end)
        added = schedules.add_override(uow, clock, schedule_id, body.user_id, span, actor)
        return OverrideOut.of(added)

    @router.get(
        "/{id}/overrides", responses=responses(404, 422), dependencies=[needs(Permission.READ)]
    )
    def list_overrides(
        schedule_id: ScheduleId, uow: UoW, start: From = None, end: To = None
    ) -> Page[OverrideOut]:
        """The overrides overlapping [from, to) (default: the next 90 days; at most 366)."""
        begin = instant("from", start, clock.now())
        finish = instant("to", end, begin + DEFAULT_OVERRIDE_SPAN)
        found = schedules.list_overrides(uow, schedule_id, begin, finish)
        return Page(items=[OverrideOut.of(o) for o in found])

    @router.delete(
        "/{id}/overrides/{oid}",
        status_code=204,
        responses=responses(403, 404),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def delete_override(
        schedule_id: ScheduleId, override_id: OverrideId, uow: UoW, actor: CurrentActor
    ) -> Response:
        """Remove an override. Responders may remove only their own (403 for anyone else's);
        admins any."""
        schedules.delete_override(uow, clock, schedule_id, override_id, actor)
        return Response(status_code=204)


def _on_call_routes(router: APIRouter, container: Container) -> None:
    clock = container.clock

    @router.get(
        "/{id}/on-call", responses=responses(404, 422), dependencies=[needs(Permission.READ)]
    )
    def who_is_on_call(schedule_id: ScheduleId, uow: UoW, at: Instant = None) -> OnCallOut:
        """Who is on call at `at` (default: now), and through which layer or override."""
        answer = on_call.who_is_on_call(uow, schedule_id, instant("at", at, clock.now()))
        return OnCallOut(
            at=answer.at,
            user=UserOut.of(answer.user) if answer.user is not None else None,
            layer=answer.on_call.layer,
            override_id=answer.on_call.override_id,
        )

    @router.get(
        "/{id}/shifts", responses=responses(404, 422), dependencies=[needs(Permission.READ)]
    )
    def list_shifts(
        schedule_id: ScheduleId, uow: UoW, start: From = None, end: To = None
    ) -> ShiftsOut:
        """The final schedule over [from, to) (default: the next 14 days; at most 90 days)."""
        begin = instant("from", start, clock.now())
        finish = instant("to", end, begin + DEFAULT_SHIFT_SPAN)
        shifts = on_call.shifts_between(uow, schedule_id, begin, finish)
        return ShiftsOut(
            items=[ShiftOut.of(s) for s in shifts if s.user_id is not None],
            gaps=[GapOut(start=s.start_at, end=s.end_at) for s in shifts if s.user_id is None],
        )
