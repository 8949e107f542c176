"""The people page (admins): list users, create one, disable or enable, change a role,
delete. Every change goes through the user use cases, which check the actor again, write
the audit log and end sessions where they must."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.accounts import DEFAULT_TIME_ZONE, MAX_NAME_LENGTH
from pagerd.domain.roles import Permission, Role
from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.sessions import Session
from pagerd.entrypoints.console.views import open_alert_count
from pagerd.service_layer.errors import Conflict, Forbidden, InvalidFields, NotFound
from pagerd.service_layer.user_changes import delete_user, set_disabled, set_role
from pagerd.service_layer.users import create_user

ROLES = [role.value for role in Role]
MAX_LISTED = 1000


def people_routes(ctx: ConsoleContext) -> APIRouter:
    """GET/POST /people; POST /people/{id}/disable, /enable, /role, /delete."""
    router = APIRouter()

    @router.get("/people")
    def people_page(request: Request) -> Response:
        session = ctx.page_session(request, Permission.CONFIGURE)
        if isinstance(session, Response):
            return session
        return _page(ctx, request, session)

    @router.post("/people")
    def create(request: Request, form: Annotated[ConsoleForm, Form()]) -> Response:
        session = ctx.form_session(request, form, Permission.CONFIGURE)
        if isinstance(session, Response):
            return session
        fields = form.fields()
        role = fields.get("role", "")
        try:
            create_user(
                ctx.uow(),
                ctx.container.clock,
                fields.get("name", ""),
                fields.get("password") or None,
                ctx.password_hasher,
                email=fields.get("email", ""),
                role=Role(role) if role in ROLES else Role.RESPONDER,
                time_zone=fields.get("time_zone", "").strip() or DEFAULT_TIME_ZONE,
                actor=session.actor,
            )
        except InvalidFields as exc:
            errors = {d.field: d.message for d in exc.details}
            return _page(ctx, request, session, form=fields, errors=errors, status=422)
        except Conflict as exc:
            field = "email" if exc.code == "email_taken" else "name"
            return _page(ctx, request, session, form=fields, errors={field: str(exc)}, status=409)
        return ctx.redirect("/people?done=user_created")

    @router.get("/people/{user_id}")
    def person(request: Request, user_id: str) -> Response:
        # Where a form of a person's row sends someone back after signing in again.
        session = ctx.page_session(request, Permission.CONFIGURE)
        return session if isinstance(session, Response) else ctx.redirect("/people")

    def change(path: str, apply: Callable[[Session, UUID, dict[str, str]], object]) -> None:
        @router.post(f"/people/{{user_id}}/{path}", name=f"people_{path}")
        def changed(
            request: Request, user_id: str, form: Annotated[ConsoleForm, Form()]
        ) -> Response:
            target = ctx.form_target(request, form, user_id, "user", Permission.CONFIGURE)
            if isinstance(target, Response):
                return target
            session, found = target
            try:
                apply(session, found, form.fields())
            except NotFound:
                return ctx.not_found(request, session, "user")
            except (Conflict, Forbidden, InvalidFields) as exc:
                return _page(ctx, request, session, problem=str(exc), status=409)
            done = "user_deleted" if path == "delete" else "user_updated"
            return ctx.redirect(f"/people?done={done}")

    clock = ctx.container.clock
    change("disable", lambda s, u, f: set_disabled(ctx.uow(), clock, u, True, s.actor))
    change("enable", lambda s, u, f: set_disabled(ctx.uow(), clock, u, False, s.actor))
    change("role", lambda s, u, f: set_role(ctx.uow(), clock, u, _role(f), s.actor))
    change("delete", lambda s, u, f: delete_user(ctx.uow(), clock, u, s.actor))
    return router


def _role(fields: dict[str, str]) -> Role:
    value = fields.get("role", "")
    if value not in ROLES:
        raise InvalidFields("unknown role", [])
    return Role(value)


def _page(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    uow = ctx.uow()
    with uow:
        users = uow.users.list(MAX_LISTED)
        count = open_alert_count(uow)
    return ctx.page(
        request,
        "people.html",
        session,
        status=status,
        title="People",
        users=users,
        roles=ROLES,
        form=form or {"role": Role.RESPONDER.value, "time_zone": DEFAULT_TIME_ZONE},
        errors=errors or {},
        problem=problem,
        open_count=count,
        max_name_length=MAX_NAME_LENGTH,
    )
