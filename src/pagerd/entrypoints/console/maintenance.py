"""Maintenance from the service page: start one now for 1 h or 4 h, plan a custom window
(instants in UTC), or delete one (deleting the current window ends the maintenance now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.errors import FieldError
from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.service_page import render_service_page
from pagerd.entrypoints.console.sessions import Session
from pagerd.entrypoints.console.views import parse_uuid
from pagerd.service_layer import maintenance
from pagerd.service_layer.errors import InvalidFields, NotFound

DURATIONS = {"1h": timedelta(hours=1), "4h": timedelta(hours=4)}
"""The one-press durations; anything else is a custom window."""


def maintenance_routes(ctx: ConsoleContext) -> APIRouter:
    """POST /services/{id}/maintenance and /services/{id}/maintenance/{wid}/delete."""
    router = APIRouter()

    @router.post("/services/{service_id}/maintenance")
    def start(request: Request, service_id: str, form: Annotated[ConsoleForm, Form()]) -> Response:
        target = ctx.form_target(request, form, service_id, "service")
        if isinstance(target, Response):
            return target
        session, found = target
        fields = form.fields()
        now = ctx.container.clock.now()
        try:
            start_at, end_at = _interval(fields, now)
            maintenance.create_window(
                ctx.uow(),
                ctx.container.clock,
                found,
                start_at,
                end_at,
                fields.get("reason") or None,
                actor=session.actor,
            )
        except InvalidFields as exc:
            return _with_errors(ctx, request, session, found, exc.details)
        except NotFound:
            return ctx.not_found(request, session, "service")
        return ctx.redirect(f"/services/{found}?done=maintenance#maintenance")

    @router.post("/services/{service_id}/maintenance/{window_id}/delete")
    def delete(
        request: Request, service_id: str, window_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        target = ctx.form_target(request, form, service_id, "service")
        if isinstance(target, Response):
            return target
        session, found = target
        window = parse_uuid(window_id)
        try:
            if window is None:
                raise NotFound("maintenance window", window_id)
            maintenance.delete_window(
                ctx.uow(), ctx.container.clock, found, window, actor=session.actor
            )
        except NotFound:
            return ctx.not_found(request, session, "maintenance window")
        return ctx.redirect(f"/services/{found}?done=maintenance_deleted#maintenance")

    return router


def _interval(fields: dict[str, str], now: datetime) -> tuple[datetime, datetime]:
    """(start, end) from a one-press duration, or from the custom form's UTC fields."""
    duration = DURATIONS.get(fields.get("duration", ""))
    if duration is not None:
        return now, now + duration
    start = _utc(fields.get("start", ""), "start") if fields.get("start") else now
    return start, _utc(fields.get("end", ""), "end")


def _utc(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidFields(
            "the maintenance window has invalid fields",
            [FieldError(field, "give a date and time, such as 2026-11-27T22:00")],
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _with_errors(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    service_id: UUID,
    problems: list[FieldError],
) -> Response:
    messages = [f"{p.field}: {p.message}" for p in problems]
    return render_service_page(
        ctx, request, session, service_id, maintenance_errors=messages, status=422
    )
