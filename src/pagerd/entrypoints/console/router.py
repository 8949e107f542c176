"""The web console as one router, mounted by the HTTP app at `/`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from pagerd.bootstrap import Container
from pagerd.entrypoints.console.alerts import alert_routes
from pagerd.entrypoints.console.audit_log import audit_routes
from pagerd.entrypoints.console.auth import auth_routes
from pagerd.entrypoints.console.context import ConsoleContext, template_environment
from pagerd.entrypoints.console.devices import DeviceCookies
from pagerd.entrypoints.console.maintenance import maintenance_routes
from pagerd.entrypoints.console.outbox import outbox_routes
from pagerd.entrypoints.console.people import people_routes
from pagerd.entrypoints.console.policy import policy_routes
from pagerd.entrypoints.console.profile import profile_routes
from pagerd.entrypoints.console.ratelimit import SignInLimiter
from pagerd.entrypoints.console.schedules import schedule_routes
from pagerd.entrypoints.console.services import service_routes
from pagerd.entrypoints.console.sessions import DEFAULT_LIFETIME, SessionCodec
from pagerd.entrypoints.console.static_files import asset_version
from pagerd.service_layer.passwords import PasswordHasher


def build_console(
    container: Container,
    session_lifetime: int | None = None,
    password_hasher: PasswordHasher | None = None,
) -> APIRouter:
    """Every console page, signed with `container.secret_key`, reading through its units of work.

    `session_lifetime` (seconds) overrides the default of 12 hours; `password_hasher` the
    container's (tests use a cheap one). Mount the static files with `mount_static(app)` as
    well. The routes stay out of the OpenAPI document.
    """
    lifetime = DEFAULT_LIFETIME
    if session_lifetime is not None:
        lifetime = timedelta(seconds=session_lifetime)
    ctx = ConsoleContext(
        container=container,
        codec=SessionCodec(container.secret_key, lifetime),
        limiter=SignInLimiter(container.clock),
        devices=DeviceCookies(container.secret_key),
        templates=template_environment(),
        asset_version=asset_version(),
        password_hasher=password_hasher or container.password_hasher,
    )
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> Response:
        if ctx.user_session(request) is None:
            return ctx.redirect("/sign-in")
        return ctx.redirect("/alerts")

    every = (
        auth_routes,
        service_routes,
        maintenance_routes,
        policy_routes,
        alert_routes,
        outbox_routes,
        people_routes,
        audit_routes,
        schedule_routes,
        profile_routes,
    )
    for routes in every:
        router.include_router(routes(ctx))
    return router
