"""Alert pages: the list (open first, filters, live), one alert (live), and the actions on
it: acknowledge, resolve, escalate now, add a note (each named after the signed-in user).

`/alerts/live` and `/alerts/{id}/live` answer the part of the page that changes; the
console's script fetches them every few seconds, so new alerts and new timeline entries
appear without a reload. They answer 401 (not a redirect) once the session is gone, and the
script then reloads the page, which leads to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.alert import AlertStatus
from pagerd.domain.errors import AlertAlreadyResolved, NothingToEscalate
from pagerd.domain.roles import Actor, Permission
from pagerd.domain.severity import Severity
from pagerd.entrypoints.console.alert_views import alert_detail, alert_listing
from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.security import with_security_headers
from pagerd.entrypoints.console.sessions import Session
from pagerd.entrypoints.console.views import all_services, decode_cursor, parse_uuid
from pagerd.service_layer.alerts import acknowledge
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.incidents import (
    MAX_NOTE_LENGTH,
    add_note,
    escalate_incident,
    resolve_incident,
)

STATUS_VALUES = frozenset(s.value for s in AlertStatus)
SEVERITY_VALUES = frozenset(s.value for s in Severity)
ALREADY_RESOLVED = "This alert is already resolved: there is nothing left to acknowledge."
BAD_NOTE = f"A note has 1 to {MAX_NOTE_LENGTH} characters."


def alert_routes(ctx: ConsoleContext) -> APIRouter:
    """GET /alerts, /alerts/live, /alerts/{id}, /alerts/{id}/live; POST acknowledge,
    resolve, escalate and notes."""
    router = APIRouter()

    def signed_in(request: Request, live: bool, show: Callable[[Session], Response]) -> Response:
        """`show` the signed-in user the page; else, for a page, the way to sign in (for a
        live part: a bare 401, upon which the script reloads the page)."""
        session = ctx.user_session(request)
        if session is None:
            return _expired() if live else ctx.sign_in_redirect(request)
        return show(session)

    @router.get("/alerts")
    def alerts_page(request: Request, filters: Annotated[_Filters, Depends()]) -> Response:
        return signed_in(
            request, False, lambda s: _listing(ctx, request, s, filters, "alerts.html")
        )

    @router.get("/alerts/live")
    def alerts_live(request: Request, filters: Annotated[_Filters, Depends()]) -> Response:
        return signed_in(
            request, True, lambda s: _listing(ctx, request, s, filters, "_alert_list.html")
        )

    @router.get("/alerts/{alert_id}")
    def alert_page(request: Request, alert_id: str) -> Response:
        return signed_in(request, False, lambda s: _detail(ctx, request, s, alert_id, "alert.html"))

    @router.get("/alerts/{alert_id}/live")
    def alert_live(request: Request, alert_id: str) -> Response:
        return signed_in(
            request, True, lambda s: _detail(ctx, request, s, alert_id, "_alert_detail.html")
        )

    @router.post("/alerts/{alert_id}/acknowledge")
    def acknowledge_alert(
        request: Request, alert_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        def act(actor: Actor, found: UUID) -> None:
            try:
                acknowledge(ctx.uow(), ctx.container.clock, found, by=actor.name, actor=actor)
            except AlertAlreadyResolved as exc:
                raise _Refused(ALREADY_RESOLVED, 409) from exc

        return _act(ctx, request, alert_id, form, "acknowledged", act)

    @router.post("/alerts/{alert_id}/resolve")
    def resolve_alert(
        request: Request, alert_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        def act(actor: Actor, found: UUID) -> None:
            resolve_incident(ctx.uow(), ctx.container.clock, found, actor.name, actor=actor)

        return _act(ctx, request, alert_id, form, "resolved", act)

    @router.post("/alerts/{alert_id}/escalate")
    def escalate_alert(
        request: Request, alert_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        def act(actor: Actor, found: UUID) -> None:
            try:
                escalate_incident(ctx.uow(), ctx.container.clock, found, actor.name, actor=actor)
            except NothingToEscalate as exc:
                raise _Refused(_sentence(exc), 409) from exc

        return _act(ctx, request, alert_id, form, "escalated", act)

    @router.post("/alerts/{alert_id}/notes")
    def note_alert(
        request: Request, alert_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        def act(actor: Actor, found: UUID) -> None:
            text = form.fields().get("text", "").strip()
            if not text or len(text) > MAX_NOTE_LENGTH or "\x00" in text:
                raise _Refused(BAD_NOTE, 422)
            add_note(ctx.uow(), ctx.container.clock, found, text, actor.name, actor=actor)

        return _act(ctx, request, alert_id, form, "noted", act)

    return router


class _Refused(Exception):
    """An action the alert's state or the form refuses: the alert page says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _act(
    ctx: ConsoleContext,
    request: Request,
    alert_id: str,
    form: ConsoleForm,
    done: str,
    action: Callable[[Actor, UUID], None],
) -> Response:
    """One action on an alert from its page, as the signed-in responder: checks the form
    (session, CSRF, role, alert id), runs `action`, and redirects to the alert saying what
    was done; an unknown alert is a 404, a refusal the alert page with its message."""
    target = ctx.form_target(request, form, alert_id, "alert", Permission.RESPOND)
    if isinstance(target, Response):
        return target
    session, found = target
    try:
        action(session.actor, found)
    except NotFound:
        return ctx.not_found(request, session, "alert")
    except _Refused as refused:
        return _detail(ctx, request, session, found, "alert.html", refused.message, refused.status)
    return ctx.redirect(f"/alerts/{found}?done={done}")


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return f"Nothing to escalate: {text}."


def _expired() -> Response:
    return with_security_headers(Response(status_code=401))


@dataclass(frozen=True)
class _Filters:
    """The list's filters as the query string gave them (read by FastAPI as query
    parameters: the class is the routes' dependency)."""

    status: str = ""
    service: str = ""
    severity: str = ""
    cursor: str = ""


def _listing(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    filters: _Filters,
    template: str,
) -> Response:
    status, service, severity, cursor = (
        filters.status,
        filters.service,
        filters.severity,
        filters.cursor,
    )
    chosen_status = AlertStatus(status) if status in STATUS_VALUES else None
    chosen_severity = Severity(severity) if severity in SEVERITY_VALUES else None
    service_id = parse_uuid(service) if service else None
    after = decode_cursor(cursor) if cursor else None
    if (status and chosen_status is None) or (service and service_id is None):
        return _bad_filter(ctx, request, session)
    if (severity and chosen_severity is None) or (
        cursor and (after is None or chosen_status is None)
    ):
        return _bad_filter(ctx, request, session)
    uow = ctx.uow()
    with uow:
        listing = alert_listing(uow, chosen_status, service_id, after, chosen_severity)
        services = sorted(all_services(uow), key=lambda s: s.name.lower())
    query = urlencode(
        {k: v for k, v in (("status", status), ("service", service), ("severity", severity)) if v}
    )
    return ctx.page(
        request,
        template,
        session,
        title="Alerts",
        listing=listing,
        open_count=listing.open_count,
        services=services,
        status_filter=status,
        service_filter=service,
        severity_filter=severity,
        query=query,
        paged=bool(cursor),
        statuses=[s.value for s in AlertStatus],
        severities=[s.value for s in reversed(Severity)],
    )


def _bad_filter(ctx: ConsoleContext, request: Request, session: Session) -> Response:
    return ctx.error_page(
        request,
        session,
        400,
        "Unknown filter",
        "This link asks for a status, service or page that does not exist. "
        "Open the alerts list from the menu instead.",
    )


def _detail(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    alert_id: str | UUID,
    template: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    found = alert_id if isinstance(alert_id, UUID) else parse_uuid(alert_id)
    if found is None:
        return ctx.not_found(request, session, "alert")
    uow = ctx.uow()
    with uow:
        detail = alert_detail(uow, found)
    if detail is None:
        return ctx.not_found(request, session, "alert")
    return ctx.page(
        request,
        template,
        session,
        status=status,
        title=f"Alert: {detail.alert.message[:60]}",
        detail=detail,
        alert=detail.alert,
        open_count=detail.open_count,
        error=error,
    )
