"""Who may call: API tokens for `/api/v1`, integration keys for the integrations.

API tokens are checked by `is_admin_token` (the configured admin token, in constant time)
and `token_actor` (stored tokens, by SHA-256 hash, acting as their user). Failures answer
401 with `WWW-Authenticate: Bearer`. The actor found is put on the request for the
permission checks (permissions.py) and the audit log.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import Request

from pagerd.bootstrap import Container
from pagerd.domain.roles import Actor
from pagerd.domain.service import MonitoredService
from pagerd.entrypoints.http.errors import ApiError
from pagerd.entrypoints.http.fields import storable
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.services import service_for_integration_key
from pagerd.service_layer.tokens import ADMIN_TOKEN_ACTOR, is_admin_token, token_actor

MAX_SECRET_LENGTH = 512

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description=(
        "An API token (`pagerd token create --user NAME`: it acts with that user's role) "
        "or the PAGERD_ADMIN_TOKEN value (an admin)."
    ),
)

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
FailureCounter = Callable[[str], Awaitable[None]]
"""Counts a failed authentication from a client address (raises a 429 past its limit)."""
TokenLimit = Callable[[str], Awaitable[None]]
"""Takes from a valid API token's budget (raises a 429 when it is spent)."""


def unauthorized(message: str) -> ApiError:
    """A 401 in the error format, inviting Bearer authentication."""
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def require_api_token(
    container: Container,
    failures: FailureCounter | None = None,
    limit: TokenLimit | None = None,
) -> Callable[..., Awaitable[None]]:
    """A dependency that lets a request through only with a valid API token, and puts who
    it acts as on `request.state.actor`; then, if given, `limit` takes from that token's
    budget (only valid tokens get one; it raises the 429).

    The admin token is checked on the event loop (no I/O); a stored token is looked up in
    the database on the thread pool, unless `auth_first` verified it before the body was
    read. Each failure is counted by `failures`, per client address: past its limit the
    answer is 429 instead of 401. One dependency for both checks: FastAPI's cost per
    dependency, on the event loop, was a third of a request's there.
    """
    admin = container.settings.admin_token
    admin_secret = admin.get_secret_value() if admin is not None else None

    async def check(request: Request, credentials: Credentials) -> None:
        if credentials is None:
            raise unauthorized("send an API token as `Authorization: Bearer <token>`")
        secret = credentials.credentials
        request.state.actor = await _actor(request, secret)
        if limit is not None:
            await limit(secret)

    async def _actor(request: Request, secret: str) -> Actor:
        if getattr(request.state, "verified_api_token", None) == secret:
            verified: Actor = request.state.verified_actor
            return verified
        if is_admin_token(secret, admin_secret):
            return ADMIN_TOKEN_ACTOR
        actor = None
        if len(secret) <= MAX_SECRET_LENGTH:
            actor = await run_in_threadpool(token_actor, container.uow_factory(), secret)
        if actor is None:
            if failures is not None:
                await failures(request.client.host if request.client else "unknown")
            raise unauthorized(
                "the API token is not valid (unknown, revoked, or its user disabled)"
            )
        return actor

    return check


def api_token_actor(container: Container) -> Callable[[str], Actor | None]:
    """Who a secret acts as when it is a valid API token (admin or stored), else None;
    blocking (a lookup)."""
    admin = container.settings.admin_token
    admin_secret = admin.get_secret_value() if admin is not None else None

    def actor_of(secret: str) -> Actor | None:
        if is_admin_token(secret, admin_secret):
            return ADMIN_TOKEN_ACTOR
        if len(secret) > MAX_SECRET_LENGTH:
            return None
        return token_actor(container.uow_factory(), secret)

    return actor_of


def admin_token_actor(container: Container) -> Callable[[str], Actor | None]:
    """The admin when a secret is the admin token, else None; no I/O (for the event loop)."""
    admin = container.settings.admin_token
    admin_secret = admin.get_secret_value() if admin is not None else None

    def actor_of(secret: str) -> Actor | None:
        return ADMIN_TOKEN_ACTOR if is_admin_token(secret, admin_secret) else None

    return actor_of


def integration_key_check(container: Container) -> Callable[[str], bool]:
    """Whether a secret is an integration key still accepted; blocking (a lookup)."""

    def is_valid(key: str) -> bool:
        found = service_for_key(container.uow_factory(), key, container.clock.now())
        return found is not None

    return is_valid


def service_for_key(
    uow: UnitOfWork, integration_key: str | None, now: datetime
) -> MonitoredService | None:
    """The service whose integration key this is (a rotated-out key too, until its overlap
    ends), or None (also for a missing key)."""
    if not integration_key or len(integration_key) > MAX_SECRET_LENGTH:
        return None
    try:
        storable(integration_key)
    except ValueError:
        return None  # no key contains such characters, and the database could not look it up
    return service_for_integration_key(uow, integration_key, now)
