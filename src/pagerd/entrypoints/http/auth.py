"""Who may call: API tokens for `/api/v1`, integration keys for the integrations.

API tokens are checked by `is_admin_token` (the configured admin token, in constant time)
and `api_token_name` (stored tokens, by SHA-256 hash), which also names who acts (the
`Principal` of a route). Failures answer 401 with `WWW-Authenticate: Bearer`.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pagerd.bootstrap import Container
from pagerd.domain.service import MonitoredService
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import ApiError
from pagerd.entrypoints.http.fields import storable
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.tokens import api_token_name, is_admin_token

MAX_SECRET_LENGTH = 512

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token (`pagerd token create`) or the PAGERD_ADMIN_TOKEN value.",
)

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def unauthorized(message: str) -> ApiError:
    """A 401 in the error format, inviting Bearer authentication."""
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def require_api_token(container: Container) -> Callable[..., Awaitable[None]]:
    """A dependency that lets a request through only with a valid API token.

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
            request.state.principal = ADMIN_PRINCIPAL
            return
        name = await run_in_threadpool(api_token_name, uow, secret)
        if name is None:
            raise unauthorized("the API token is not valid (unknown or revoked)")
        request.state.principal = f"token {name}"

    return check


ADMIN_PRINCIPAL = "admin token"


async def acting_principal(request: Request) -> str | None:
    """Who makes this request, as timelines name them (`token deploy-bot`, `admin token`);
    set by the API token check, which runs before the route."""
    principal: str | None = getattr(request.state, "principal", None)
    return principal


Principal = Annotated[str | None, Depends(acting_principal)]


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
