"""`GET /api/v1/oncall`: for every schedule, who is on call now, until when, and who next."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from pagerd.bootstrap import Container
from pagerd.domain.accounts import User
from pagerd.domain.errors import FieldError
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import ApiError
from pagerd.entrypoints.http.fields import UtcDateTime
from pagerd.entrypoints.http.on_call_schemas import GapOut
from pagerd.entrypoints.http.pagination import DEFAULT_LIMIT, CursorParam, Limit, Page, keyset_page
from pagerd.entrypoints.http.permissions import needs
from pagerd.entrypoints.http.schedule_schemas import EXAMPLE_SCHEDULE, USER_EXAMPLE
from pagerd.entrypoints.http.users import UserOut
from pagerd.service_layer import on_call
from pagerd.service_layer.on_call import ScheduleGaps, ScheduleNow
from pagerd.service_layer.ports import UnitOfWork


class NextOut(BaseModel):
    """The stretch after the current one."""

    user: UserOut | None = Field(description="Null: nobody (a gap).", examples=[USER_EXAMPLE])
    start: UtcDateTime = Field(
        description="When that stretch starts.", examples=["2026-11-30T08:00:00Z"]
    )
    end: UtcDateTime = Field(
        description="When that person's (or the gap's) stretch ends.",
        examples=["2026-12-07T08:00:00Z"],
    )


class ScheduleOnCallOut(BaseModel):
    """One schedule's on-call answer now."""

    schedule_id: UUID = Field(description="The schedule.", examples=[EXAMPLE_SCHEDULE])
    schedule_name: str = Field(description="Its name.", examples=["Primary"])
    user: UserOut | None = Field(
        description="Who is on call now; null: nobody.", examples=[USER_EXAMPLE]
    )
    layer: int | None = Field(
        description="Their layer; null for an override or nobody.", examples=[0]
    )
    override_id: UUID | None = Field(
        description="The override that has them, if any.", examples=[None]
    )
    until: UtcDateTime | None = Field(
        description="When the current person's stretch ends; null: not within 90 days.",
        examples=["2026-11-30T08:00:00Z"],
    )
    next: NextOut | None = Field(
        description="Who follows, null when nobody changes in 90 days.",
        examples=[
            {"user": USER_EXAMPLE, "start": "2026-11-30T08:00:00Z", "end": "2026-12-07T08:00:00Z"}
        ],
    )


class ScheduleGapsOut(BaseModel):
    """A schedule with nobody on call at times in the next 28 days."""

    schedule_id: UUID = Field(description="The schedule.", examples=[EXAMPLE_SCHEDULE])
    schedule_name: str = Field(description="Its name.", examples=["Primary"])
    services: list[str] = Field(
        description="Services whose escalation policy targets it.", examples=[["checkout"]]
    )
    gaps: list[GapOut] = Field(
        description="When nobody is on call, in time order.",
        examples=[[{"start": "2026-12-24T18:00:00Z", "end": "2026-12-25T08:00:00Z"}]],
    )

    @classmethod
    def of(cls, found: ScheduleGaps) -> ScheduleGapsOut:
        """The API view of a schedule's gaps."""
        return cls(
            schedule_id=found.schedule.id,
            schedule_name=found.schedule.name,
            services=found.service_names,
            gaps=[GapOut(start=g.start_at, end=g.end_at) for g in found.gaps],
        )


class GapsOut(BaseModel):
    """Schedules with gaps in the next 28 days."""

    items: list[ScheduleGapsOut] = Field(
        description="One entry per schedule with a gap.", examples=[[]]
    )


def _view(uow: UnitOfWork, now: ScheduleNow) -> ScheduleOnCallOut:
    def ref(user_id: UUID | None) -> UserOut | None:
        user: User | None = uow.users.get(user_id) if user_id is not None else None
        return UserOut.of(user) if user is not None else None

    following = now.following
    return ScheduleOnCallOut(
        schedule_id=now.schedule.id,
        schedule_name=now.schedule.name,
        user=ref(now.current.user_id),
        layer=now.current.layer,
        override_id=now.current.override_id,
        until=now.until,
        next=None
        if following is None
        else NextOut(user=ref(following.user_id), start=following.start_at, end=following.end_at),
    )


def build_router(container: Container) -> APIRouter:
    """The on-call overview route."""
    router = APIRouter(prefix="/api/v1/oncall", tags=["schedules"])

    @router.get("", dependencies=[needs(Permission.READ)])
    def on_call_now(
        uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[ScheduleOnCallOut]:
        """For every schedule (oldest first): who is on call now, until when, and who next."""
        now = container.clock.now()
        answers, next_cursor = keyset_page(
            lambda size, after: on_call.on_call_overview(uow, now, size, after),
            lambda answer: (answer.schedule.created_at, answer.schedule.id),
            limit,
            cursor,
        )
        with uow:
            items = [_view(uow, answer) for answer in answers]
        return Page(items=items, next_cursor=next_cursor)

    @router.get("/gaps", dependencies=[needs(Permission.READ)])
    def gaps(
        request: Request,
        uow: UoW,
        every: Annotated[
            bool,
            Query(
                alias="all",
                description="Also schedules no escalation policy targets (default: only those).",
                examples=[False],
            ),
        ] = False,
    ) -> GapsOut:
        """Schedules with nobody on call at some time in the next 28 days, and those times."""
        # A misspelt flag (`?al=true`) would otherwise quietly answer for targeted schedules.
        unknown = sorted(set(request.query_params) - {"all"})
        if unknown:
            problems = [
                FieldError(name or "(empty name)", "is not a parameter") for name in unknown
            ]
            raise ApiError(422, "validation_error", "the request has invalid fields", problems)
        found = on_call.schedule_gaps(uow, container.clock.now(), every)
        return GapsOut(items=[ScheduleGapsOut.of(g) for g in found])

    return router
