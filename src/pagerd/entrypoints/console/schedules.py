"""Schedule pages: who is on call (now and next, per schedule and per service), one
schedule's next two weeks, overrides ("take this shift", "cover from ... to ...")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.errors import FieldError, InvalidSchedule
from pagerd.domain.policy import SCHEDULE_TARGET, USER_TARGET
from pagerd.domain.roles import Permission
from pagerd.domain.schedule_build import parse_local_datetime
from pagerd.domain.schedule_time import to_instant, zone
from pagerd.domain.service import MonitoredService
from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.schedule_views import (
    DRAWN_DAYS,
    drawn_days,
    stretches,
    user_names,
)
from pagerd.entrypoints.console.sessions import Session
from pagerd.entrypoints.console.views import all_services, parse_uuid
from pagerd.service_layer.errors import Forbidden, NotFound
from pagerd.service_layer.on_call import on_call_overview, schedule_gaps
from pagerd.service_layer.paged_now import WouldPage, paged_now
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.schedules import add_override

OVERVIEW_LIMIT = 500


def schedule_routes(ctx: ConsoleContext) -> APIRouter:
    """GET /on-call, GET /schedules/{id}, POST /schedules/{id}/overrides."""
    router = APIRouter()

    @router.get("/on-call")
    def on_call_page(request: Request) -> Response:
        session = ctx.user_session(request)
        if session is None:
            return ctx.sign_in_redirect(request)
        uow = ctx.uow()
        rows = on_call_overview(uow, ctx.now(), OVERVIEW_LIMIT)
        empty = schedule_gaps(uow, ctx.now())
        with uow:
            names = user_names(uow)
            by_service = _services_paging_people(uow, ctx.now())
        return ctx.page(
            request,
            "on_call.html",
            session,
            title="Who is on call",
            rows=rows,
            names=names,
            gaps=empty,
            by_service=by_service,
        )

    @router.get("/schedules/{schedule_id}")
    def schedule_page(request: Request, schedule_id: str) -> Response:
        session = ctx.user_session(request)
        if session is None:
            return ctx.sign_in_redirect(request)
        found = parse_uuid(schedule_id)
        if found is None:
            return ctx.not_found(request, session, "schedule")
        return _schedule_page(ctx, request, session, found)

    @router.post("/schedules/{schedule_id}/overrides")
    def create_override(
        request: Request, schedule_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        target = ctx.form_target(
            request, form, schedule_id, "schedule", needs=Permission.EDIT_OWN_PROFILE
        )
        if isinstance(target, Response):
            return target
        session, found = target
        fields = form.fields()
        try:
            span = _span(ctx, found, fields)
            user = parse_uuid(fields.get("user_id", "")) or (
                session.user.id if session.user else None
            )
            if user is None:
                raise InvalidSchedule([FieldError("user_id", "choose who covers")])
            add_override(ctx.uow(), ctx.container.clock, found, user, span, session.actor)
        except NotFound:
            return ctx.not_found(request, session, "schedule")
        except Forbidden as exc:
            message = f"{exc} Nothing was changed."
            return ctx.error_page(request, session, 403, "Not allowed for your role", message)
        except InvalidSchedule as exc:
            problem = "; ".join(d.message for d in exc.details)
            return _schedule_page(ctx, request, session, found, error=problem, status=422)
        return ctx.redirect(f"/schedules/{found}?done=override")

    return router


def _services_paging_people(
    uow: UnitOfWork, now: datetime
) -> list[tuple[MonitoredService, list[WouldPage]]]:
    """Each service whose level 1 pages a person or a schedule, by name, with whom those
    targets reach now (addresses left out: this page is about people)."""
    found = []
    for service in sorted(all_services(uow), key=lambda s: s.name.casefold()):
        policy = uow.policies.get_for_service(service.id)
        targets = paged_now(uow, policy.levels[0], now) if policy is not None else []
        people = [t for t in targets if t.kind in (USER_TARGET, SCHEDULE_TARGET)]
        if people:
            found.append((service, people))
    return found


def _span(
    ctx: ConsoleContext, schedule_id: UUID, fields: dict[str, str]
) -> tuple[datetime, datetime]:
    """The override's bounds: exact instants ("take this shift") or local date-times in the
    schedule's zone ("cover me from ... to ...")."""
    if fields.get("start_at") and fields.get("end_at"):
        try:
            return datetime.fromisoformat(fields["start_at"]), datetime.fromisoformat(
                fields["end_at"]
            )
        except ValueError as exc:
            raise InvalidSchedule([]) from exc
    uow = ctx.uow()
    with uow:
        schedule = uow.schedules.get(schedule_id)
    if schedule is None:
        raise NotFound("schedule", schedule_id)
    start = parse_local_datetime(fields.get("start", ""))
    end = parse_local_datetime(fields.get("end", ""))
    if start is None or end is None:
        raise InvalidSchedule([FieldError("start", "give a start and an end date and time")])
    tz = zone(schedule.time_zone)
    return to_instant(start, tz), to_instant(end, tz)


def _schedule_page(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    schedule_id: UUID,
    error: str | None = None,
    status: int = 200,
) -> Response:
    now = ctx.now()
    uow = ctx.uow()
    with uow:
        schedule = uow.schedules.get(schedule_id)
        if schedule is None:
            return ctx.not_found(request, session, "schedule")
        days, legend = drawn_days(uow, schedule, now)
        upcoming = stretches(uow, schedule, now, now + timedelta(days=DRAWN_DAYS))
        names = user_names(uow)
    return ctx.page(
        request,
        "schedule.html",
        session,
        status=status,
        title=schedule.name,
        schedule=schedule,
        days=days,
        legend=legend,
        upcoming=upcoming,
        people=sorted(names.items(), key=lambda item: item[1]),
        error=error,
    )
