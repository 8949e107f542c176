"""Calendar feeds: `POST /api/v1/users/{id}/calendar-feed` makes a user's secret feed URL;
`GET /calendar/{token}.ics` serves the user's shifts as iCalendar (RFC 5545), which Google
Calendar, Outlook and Apple Calendar subscribe to. The token in the URL is the only key."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from pagerd.bootstrap import Container
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.entrypoints.http.schedule_schemas import EXAMPLE_USER
from pagerd.service_layer import calendar_feeds
from pagerd.service_layer.calendar_feeds import UserCalendar

UserId = Annotated[UUID, Path(alias="id", description="The user's id.", examples=[EXAMPLE_USER])]
Token = Annotated[
    str,
    Path(max_length=200, description="The feed's secret token.", examples=["Zx3...kQ"]),
]
REFRESH = timedelta(hours=1)


class CalendarFeedOut(BaseModel):
    """A user's calendar feed: subscribe to `url` (keep it secret; shown once)."""

    url: str = Field(
        description="The feed's secret URL; a new feed replaces the old URL.",
        examples=["https://pagerd.example.com/calendar/Zx3...kQ.ics"],
    )


def render_calendar(calendar: UserCalendar) -> bytes:
    """The shifts as an iCalendar document: one event per stretch on call, in UTC."""
    # Imported on the first feed served: icalendar's import (its time zone tables) was a
    # tenth of `pagerd serve`'s start-up.
    from icalendar import Calendar, Event

    document = Calendar()
    document.add("prodid", "-//pagerd//on-call shifts//EN")
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("method", "PUBLISH")
    document.add("x-wr-calname", f"On call: {calendar.user.name}")
    document.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    document.add("x-published-ttl", REFRESH)
    for item in calendar.shifts:
        shift, schedule = item.shift, item.schedule
        event = Event()
        event.add("uid", f"{schedule.id}-{int(shift.start_at.timestamp())}@pagerd")
        event.add("dtstamp", calendar.generated_at)
        event.add("dtstart", shift.start_at)
        event.add("dtend", shift.end_at)
        event.add("summary", f"On call: {schedule.name}")
        event.add("description", f"{calendar.user.name} is on call for {schedule.name}.")
        event.add("transp", "TRANSPARENT")
        document.add_component(event)
    rendered: bytes = document.to_ical()
    return rendered


def build_api_router(container: Container) -> APIRouter:
    """The route that makes a feed (under /api/v1, authenticated)."""
    router = APIRouter(prefix="/api/v1/users", tags=["schedules"])

    @router.post(
        "/{id}/calendar-feed",
        status_code=201,
        responses=responses(403, 404),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def create_feed(user_id: UserId, uow: UoW, actor: CurrentActor) -> CalendarFeedOut:
        """A new secret feed URL of the user's shifts; the previous URL stops working.
        Responders may make only their own feed (403 for anyone else's); admins anyone's."""
        token = calendar_feeds.create_calendar_feed(uow, container.clock, user_id, actor)
        return CalendarFeedOut(url=f"{container.public_url}/calendar/{token}.ics")

    return router


def build_feed_router(container: Container) -> APIRouter:
    """The public feed route: the secret token is the key."""
    router = APIRouter(tags=["schedules"])

    @router.get(
        "/calendar/{token}.ics",
        response_class=Response,
        responses={200: {"content": {"text/calendar": {}}}, **responses(404)},
    )
    def calendar_feed(token: Token, uow: UoW) -> Response:
        """The user's shifts from two weeks ago to 90 days ahead, as iCalendar."""
        calendar = calendar_feeds.calendar_of_token(uow, container.clock, token)
        return Response(
            render_calendar(calendar),
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    return router
