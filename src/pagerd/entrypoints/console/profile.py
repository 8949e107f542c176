""" "My profile": how the signed-in person is paged. Contact methods (add, remove, send a
test message) and notification rules (which method after how many minutes).

Every form goes through the same use cases as the API, so the page and the API accept
exactly the same contact methods and rules; their errors come back next to the fields.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.errors import FieldError, InvalidRequest
from pagerd.domain.people import MAX_RULE_DELAY_MINUTES, RuleSpec
from pagerd.domain.roles import Permission
from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.sessions import Session
from pagerd.entrypoints.console.views import open_alert_count, parse_uuid
from pagerd.service_layer.contact_methods import (
    add_contact_method,
    delete_contact_method,
    get_profile,
    put_notification_rules,
)
from pagerd.service_layer.errors import InvalidFields, NotFound
from pagerd.service_layer.test_messages import queue_test_message
from pagerd.service_layer.user_changes import UserChanges, update_user

METHOD_TYPES = [
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("voice", "Voice call"),
    ("slack", "Slack"),
    ("webhook", "Webhook"),
]
NOTICES = {
    "method_added": "Contact method added.",
    "method_removed": "Contact method removed, with its rules.",
    "test_queued": "Test message queued: it goes out through the real channel in a moment.",
    "rules_saved": "Notification rules saved. They apply from the next page on.",
    "zone_saved": "Time zone saved: the console now shows times in it.",
}
OWN = Permission.EDIT_OWN_PROFILE  # every form here acts on the signed-in user only
EXTRA_RULE_ROWS = 2


def profile_routes(ctx: ConsoleContext) -> APIRouter:
    """GET /profile and its forms."""
    router = APIRouter()

    @router.get("/profile")
    def profile_page(request: Request) -> Response:
        session = ctx.user_session(request)
        if session is None:
            return ctx.sign_in_redirect(request)
        return _render(ctx, request, session)

    @router.post("/profile/contact-methods")
    def add_method(request: Request, form: Annotated[ConsoleForm, Form()]) -> Response:
        session = ctx.form_session(request, form, needs=OWN)
        if isinstance(session, Response):
            return session
        fields = form.fields()
        try:
            add_contact_method(
                ctx.uow(),
                ctx.container.clock,
                _user_id(session),
                fields.get("type", ""),
                fields.get("address", ""),
                fields.get("label") or None,
                session.actor,
            )
        except InvalidRequest as exc:
            return _render(ctx, request, session, method_errors=exc.details, typed=fields)
        return ctx.redirect("/profile?done=method_added#contact-methods")

    @router.post("/profile/contact-methods/{method_id}/{action}")
    def act_on_method(
        request: Request, method_id: str, action: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        target = ctx.form_target(request, form, method_id, "contact method", needs=OWN)
        if isinstance(target, Response):
            return target
        session, found = target
        try:
            if action == "delete":
                delete_contact_method(
                    ctx.uow(),
                    _user_id(session),
                    found,
                    clock=ctx.container.clock,
                    actor=session.actor,
                )
                return ctx.redirect("/profile?done=method_removed#contact-methods")
            if action == "test":
                queue_test_message(
                    ctx.uow(), ctx.container.clock, _user_id(session), found, session.actor
                )
                return ctx.redirect("/profile?done=test_queued#contact-methods")
        except NotFound:
            pass
        return ctx.not_found(request, session, "contact method")

    @router.post("/profile/notification-rules")
    def save_rules(request: Request, form: Annotated[ConsoleForm, Form()]) -> Response:
        session = ctx.form_session(request, form, needs=OWN)
        if isinstance(session, Response):
            return session
        specs, problems = _rule_specs(form.fields())
        try:
            if problems:
                raise InvalidRequest(problems)
            put_notification_rules(
                ctx.uow(), _user_id(session), specs, clock=ctx.container.clock, actor=session.actor
            )
        except InvalidRequest as exc:
            return _render(ctx, request, session, rule_errors=exc.details)
        return ctx.redirect("/profile?done=rules_saved#rules")

    @router.post("/profile/time-zone")
    def save_time_zone(request: Request, form: Annotated[ConsoleForm, Form()]) -> Response:
        session = ctx.form_session(request, form, needs=OWN)
        if isinstance(session, Response):
            return session
        typed = form.fields().get("time_zone", "").strip()
        try:
            changes = UserChanges(time_zone=typed)
            update_user(ctx.uow(), ctx.container.clock, _user_id(session), changes, session.actor)
        except InvalidFields as exc:
            typed_zone = {"time_zone": typed}
            return _render(ctx, request, session, zone_errors=exc.details, typed=typed_zone)
        except NotFound:
            return ctx.not_found(request, session, "user")
        return ctx.redirect("/profile?done=zone_saved#time-zone")

    return router


def _user_id(session: Session) -> UUID:
    assert session.user is not None  # a signed-in session
    return session.user.id


def _rule_specs(fields: dict[str, str]) -> tuple[list[RuleSpec], list[FieldError]]:
    """Rule rows `rules-<n>-method` / `rules-<n>-delay`; a row without a method is unused."""
    specs: list[RuleSpec] = []
    problems: list[FieldError] = []
    rows = sorted(
        {key.split("-")[1] for key in fields if key.startswith("rules-")},
        key=lambda row: (len(row), row),  # numeric order for the row numbers the page uses
    )
    for row in rows:
        method = parse_uuid(fields.get(f"rules-{row}-method", ""))
        if method is None:
            continue
        delay = fields.get(f"rules-{row}-delay", "").strip()
        if not (delay.isascii() and delay.isdigit() and len(delay) <= 5):
            limit = MAX_RULE_DELAY_MINUTES
            problems.append(
                FieldError(f"rules.{len(specs)}.delay_minutes", f"a whole number, 0 to {limit}")
            )
            continue
        specs.append(RuleSpec(method, int(delay)))
    return specs, problems


def _render(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    method_errors: list[FieldError] | None = None,
    rule_errors: list[FieldError] | None = None,
    typed: dict[str, str] | None = None,
    zone_errors: list[FieldError] | None = None,
) -> Response:
    try:
        profile = get_profile(ctx.uow(), _user_id(session))
    except NotFound:
        return ctx.not_found(request, session, "user")
    uow = ctx.uow()
    with uow:
        count = open_alert_count(uow)
    failed = bool(method_errors or rule_errors or zone_errors)
    return ctx.page(
        request,
        "profile.html",
        session,
        status=422 if failed else 200,
        title="My profile",
        notice=NOTICES.get(request.query_params.get("done", "")),
        open_count=count,
        methods=profile.contact_methods,
        rules=profile.rules,
        extra_rule_rows=EXTRA_RULE_ROWS,
        method_types=METHOD_TYPES,
        method_errors={e.field: e.message for e in method_errors or []},
        rule_errors=[e.message for e in rule_errors or []],
        zone_errors=[e.message for e in zone_errors or []],
        time_zone=session.user.time_zone if session.user else "UTC",
        typed=typed or {},
        max_delay=MAX_RULE_DELAY_MINUTES,
    )
