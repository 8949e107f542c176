"""Service pages: the list (unhealthy first), creating one, one service, marking it healthy."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.roles import Permission
from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.security import safe_next
from pagerd.entrypoints.console.service_page import render_service_page
from pagerd.entrypoints.console.sessions import Session
from pagerd.entrypoints.console.views import open_alert_count, parse_uuid, service_rows
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.services import (
    MAX_NAME_LENGTH,
    InvalidServiceName,
    create_service,
    rotate_integration_key,
)
from pagerd.service_layer.services import mark_healthy as mark_service_healthy

OVERLAP_CHOICES = {"0": 0, "1": 1, "24": 24, "168": 168}
"""The overlaps the service page offers, in hours; anything else means the default, 24."""


def service_routes(ctx: ConsoleContext) -> APIRouter:
    """GET/POST /services, GET /services/{id}, POST /services/{id}/healthy and
    /services/{id}/integration-key/rotate."""
    router = APIRouter()

    @router.get("/services")
    def services_page(request: Request) -> Response:
        session = ctx.user_session(request)
        if session is None:
            return ctx.sign_in_redirect(request)
        return _list(ctx, request, session)

    @router.post("/services")
    def create(request: Request, form: Annotated[ConsoleForm, Form()]) -> Response:
        session = ctx.form_session(request, form)
        if isinstance(session, Response):
            return session
        name = form.fields().get("name", "")
        try:
            service = create_service(ctx.uow(), ctx.container.clock, name, actor=session.actor)
        except InvalidServiceName as exc:
            return _list(ctx, request, session, name=name, name_error=str(exc), status=422)
        ctx.container.observer.configuration_changed(
            "create", "service", str(service.id), f"console:{session.username}"
        )
        return ctx.redirect(f"/services/{service.id}?done=created")

    @router.get("/services/{service_id}")
    def service_page(request: Request, service_id: str) -> Response:
        session = ctx.user_session(request)
        if session is None:
            return ctx.sign_in_redirect(request)
        found = parse_uuid(service_id)
        if found is None:
            return ctx.not_found(request, session, "service")
        return render_service_page(ctx, request, session, found)

    @router.post("/services/{service_id}/healthy")
    def mark_healthy(
        request: Request, service_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        target = ctx.form_target(request, form, service_id, "service", Permission.RESPOND)
        if isinstance(target, Response):
            return target
        session, found = target
        try:
            mark_service_healthy(ctx.uow(), ctx.container.clock, found, actor=session.actor)
        except NotFound:
            return ctx.not_found(request, session, "service")
        back = safe_next(form.fields().get("next"), default=f"/services/{found}")
        return ctx.redirect(_with_done(back, "healthy"))

    @router.post("/services/{service_id}/integration-key/rotate")
    def rotate_key(
        request: Request, service_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        target = ctx.form_target(request, form, service_id, "service")
        if isinstance(target, Response):
            return target
        session, found = target
        hours = OVERLAP_CHOICES.get(form.fields().get("overlap_hours", ""), 24)
        try:
            overlap = timedelta(hours=hours)
            rotate_integration_key(ctx.uow(), ctx.container.clock, found, overlap, session.actor)
        except NotFound:
            return ctx.not_found(request, session, "service")
        return ctx.redirect(f"/services/{found}?done=key_rotated")

    return router


def _list(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    name: str = "",
    name_error: str | None = None,
    status: int = 200,
) -> Response:
    uow = ctx.uow()
    with uow:
        rows = service_rows(uow)
        count = open_alert_count(uow)
    unhealthy = sum(1 for r in rows if not r.service.is_healthy)
    return ctx.page(
        request,
        "services.html",
        session,
        status=status,
        title="Services",
        rows=rows,
        unhealthy=unhealthy,
        open_count=count,
        name=name,
        name_error=name_error,
        max_name_length=MAX_NAME_LENGTH,
    )


def _with_done(path: str, done: str) -> str:
    path, _, fragment = path.partition("#")
    joined = f"{path}{'&' if '?' in path else '?'}done={done}"
    return joined + (f"#{fragment}" if fragment else "")
