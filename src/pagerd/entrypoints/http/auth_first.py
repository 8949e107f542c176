"""Authenticate before reading the body, where the credentials are not in the body.

FastAPI reads and parses a request's body before it runs any dependency, authentication
included; so a caller without credentials could make pagerd read and parse a megabyte per
request. This middleware, outside the body reader, checks the credentials that travel in
the headers or the query first, and answers 401 without reading a byte of the body:

- `/api/v1/...`: the API token (`Authorization: Bearer`);
- `/integrations/alertmanager`: the integration key (`?integration_key=` or Bearer).

A request let through carries what was verified in its scope's state, so the route's own
check does not look the token up a second time. Doors whose credentials are in the body
(`/v2/enqueue`'s `routing_key`, Twilio's signature over the form) cannot be checked first:
their bodies are bounded (1 MiB, read within the body timeout) and rate-limited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from pagerd.domain.roles import Actor
from pagerd.entrypoints.http.errors import ApiError, error_response

VERIFIED_TOKEN = "verified_api_token"  # noqa: S105 - a key name, not a secret
"""Scope state key: the API token this middleware verified for the request."""
VERIFIED_ACTOR = "verified_actor"
"""Scope state key: who that token acts as."""

TokenCheck = Callable[[str], Actor | None]
KeyCheck = Callable[[str], bool]
FailureCounter = Callable[[str], Awaitable[None]]
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuthenticateFirstMiddleware:
    """401 before the body for requests whose header or query credentials are invalid."""

    def __init__(
        self,
        app: ASGIApp,
        token_actor: TokenCheck,
        key_is_valid: KeyCheck,
        failures: FailureCounter | None = None,
        admin_actor: TokenCheck | None = None,
    ) -> None:
        """`token_actor` and `key_is_valid` block (lookups: run on the thread pool);
        `admin_actor`, if given, must not (a comparison with the admin token): it runs on
        the event loop first, and only a secret it does not know goes to `token_actor`."""
        self.app = app
        self._admin_actor = admin_actor
        self._token_actor = token_actor
        self._key_is_valid = key_is_valid
        self._failures = failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/api/v1/") or path == "/api/v1":
            secret = _bearer(scope)
            actor = await self._actor(secret) if secret else None
            if secret is None or actor is None:
                await self._refuse(scope, receive, send, "send a valid API token as Bearer")
                return
            state = scope.setdefault("state", {})
            state[VERIFIED_TOKEN], state[VERIFIED_ACTOR] = secret, actor
        elif path == "/integrations/alertmanager":
            key = _query_value(scope, "integration_key") or _bearer(scope)
            if key is None or not await run_in_threadpool(self._key_is_valid, key):
                message = "pass the service's integration key as ?integration_key= or Bearer"
                await self._refuse(scope, receive, send, message)
                return
        await self.app(scope, receive, send)

    async def _actor(self, secret: str) -> Actor | None:
        if self._admin_actor is not None:
            actor = self._admin_actor(secret)
            if actor is not None:
                return actor
        return await run_in_threadpool(self._token_actor, secret)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, message: str) -> None:
        client = scope.get("client")
        if self._failures is not None:
            try:
                await self._failures(client[0] if client else "unknown")
            except ApiError as refused:  # a 429: this address failed too often
                response = error_response(
                    refused.status, refused.code, refused.message, headers=refused.headers
                )
                await response(scope, receive, send)
                return
        headers = {"WWW-Authenticate": "Bearer", "Connection": "close"}
        await error_response(401, "unauthorized", message, headers=headers)(scope, receive, send)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text: str = bytes(value).decode("latin-1")
            scheme, _, credentials = text.partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
            return None
    return None


def _query_value(scope: Scope, name: str) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    values: list[str] = parse_qs(query).get(name, [])
    return str(values[0]) if values else None
