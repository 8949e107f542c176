"""Signing in and out of the console.

A wrong sign-in says "wrong username or password" whichever part was wrong, and costs the
same time either way (see `service_layer.users.check_password`). Failed attempts are
counted by `SignInLimiter`; past the limit, the password is not even checked. A successful
sign-in leaves a device cookie (`devices.py`), so that this browser is counted apart.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import Response

from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.devices import DEVICE_COOKIE, DEVICE_LIFETIME_SECONDS
from pagerd.entrypoints.console.security import safe_next
from pagerd.entrypoints.console.sessions import Session
from pagerd.service_layer.sessions import end_session, start_session
from pagerd.service_layer.users import check_password

WRONG_CREDENTIALS = "Wrong username or password."
SIGNED_OUT = "You are signed out."
EXPIRED = "Your session had ended, so nothing was changed. Sign in and try again."


def auth_routes(ctx: ConsoleContext) -> APIRouter:
    """GET and POST /sign-in, POST /sign-out."""
    router = APIRouter()

    @router.get("/sign-in")
    def sign_in_page(
        request: Request,
        target: Annotated[str, Query(alias="next")] = "",
        signed_out: str = "",
        expired: str = "",
    ) -> Response:
        session = ctx.session(request)
        if session is not None and session.signed_in:
            return ctx.redirect(safe_next(target))
        fresh = Session.anonymous(ctx.now()) if session is None else None
        shown = session or fresh
        assert shown is not None
        notice = SIGNED_OUT if signed_out else EXPIRED if expired else None
        return _form(ctx, request, shown, fresh, target, notice=notice)

    @router.post("/sign-in")
    def sign_in(request: Request, form: Annotated[ConsoleForm, Form()]) -> Response:
        fields = form.fields()
        username, password = fields.get("username", ""), fields.get("password", "")
        target = fields.get("next", "")
        session = ctx.session(request)
        if session is None or not session.csrf_matches(form.csrf_token):
            fresh = Session.anonymous(ctx.now())
            message = "The sign-in form had expired. Please sign in again."
            return _form(ctx, request, fresh, fresh, target, username, message, status=403)
        address = request.client.host if request.client else "unknown"
        device = ctx.devices.device_for(request.cookies.get(DEVICE_COOKIE), username)
        wait = ctx.limiter.retry_after(username, address, device)
        observer = ctx.container.observer
        if wait is not None:
            observer.signed_in(username, False, "too many failed sign-ins: refused unchecked")
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            message = f"Too many failed sign-ins. Try again in {minutes} min."
            response = _form(ctx, request, session, None, target, username, message, status=429)
            response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
            return response
        user = check_password(ctx.uow(), username, password, ctx.password_hasher)
        if user is None:
            observer.signed_in(username, False, "wrong username or password")
            ctx.limiter.failed(username, address, device)
            return _form(ctx, request, session, None, target, username, WRONG_CREDENTIALS, 401)
        ctx.limiter.succeeded(username, address, device)
        observer.signed_in(user.name, True)
        secret = start_session(ctx.uow(), ctx.container.clock, user, ctx.codec.lifetime)
        signed_in = Session.for_user(secret, user, ctx.now())
        response = ctx.redirect(safe_next(target), set_session=signed_in)
        if device is None:
            _remember_device(ctx, response, username)
        return response

    @router.post("/sign-out")
    def sign_out(request: Request, form: Annotated[ConsoleForm, Form()]) -> Response:
        session = ctx.user_session(request)
        if session is None:
            return ctx.redirect("/sign-in")
        if not session.csrf_matches(form.csrf_token):
            return ctx.csrf_rejected(request, session)
        assert session.secret is not None  # a signed-in session has its row's secret
        end_session(ctx.uow(), session.secret)
        response = ctx.redirect("/sign-in?signed_out=1")
        ctx.clear_cookie(response)
        return response

    return router


def _remember_device(ctx: ConsoleContext, response: Response, username: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        ctx.devices.issue(username),
        max_age=DEVICE_LIFETIME_SECONDS,
        path="/sign-in",
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookies,
    )


def _form(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    set_session: Session | None,
    target: str,
    username: str = "",
    error: str | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    return ctx.page(
        request,
        "sign_in.html",
        session,
        status=status,
        set_session=set_session,
        next=safe_next(target, default=""),
        username=username,
        error=error,
        notice=notice,
        notice_tone="warning" if notice == EXPIRED else "ok",
    )
