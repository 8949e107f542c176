"""Who may call: API tokens for `/api/v1`, integration keys for the integrations.

API tokens are checked by `is_admin_token` (the configured admin token, in constant time)
and `token_actor` (stored tokens, by SHA-256 hash, acting as their user). Failures answer
401 with `WWW-Authenticate: Bearer`. The actor found is put on the request for the
permission checks (permissions.py) and the audit log.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import Request

from pagerd.bootstrap import Container
from pagerd.domain.service import MonitoredService
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import ApiError
from pagerd.entrypoints.http.fields import storable
from pagerd.service_layer.ports import UnitOfWork
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


def unauthorized(message: str) -> ApiError:
    """A 401 in the error format, inviting Bearer authentication."""
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def require_api_token(container: Container) -> Callable[..., Awaitable[None]]:
    """A dependency that lets a request through only with a valid API token, and puts who
    it acts as on `request.state.actor`.

    The admin token is checked on the event loop (no I/O); a stored token is looked up in
    the database on the thread pool.
    """
    admin = container.settings.admin_token
    admin_secret = admin.get_secret_value() if admin is not None else None

    async def check(request: Request, credentials: Credentials, uow: UoW) -> None:
        if credentials is None:
            raise unauthorized("send an API token as `Authorization: Bearer <token>`")
        secret = credentials.credentials
        if len(secret) > MAX_SECRET_LENGTH:
            raise unauthorized("the API token is not valid (unknown or revoked)")
        if is_admin_token(secret, admin_secret):
            request.state.actor = ADMIN_TOKEN_ACTOR
            return
        actor = await run_in_threadpool(token_actor, uow, secret)
        if actor is None:
            raise unauthorized(
                "the API token is not valid (unknown, revoked, or its user disabled)"
            )
        request.state.actor = actor

    return check


def service_for_key(uow: UnitOfWork, integration_key: str | None) -> MonitoredService | None:
    """The service whose integration key this is, or None (also for a missing key)."""
    if not integration_key or len(integration_key) > MAX_SECRET_LENGTH:
        return None
    try:
        storable(integration_key)
    except ValueError:
        return None  # no key contains such characters, and the database could not look it up
    with uow:
        return uow.services.get_by_integration_key(integration_key)
