"""AuthenticateFirstMiddleware checks the admin token on the event loop: only other secrets
are looked up (on the thread pool)."""

from __future__ import annotations

import asyncio
from typing import Any

from pagerd.domain.roles import Actor
from pagerd.entrypoints.http.auth_first import VERIFIED_ACTOR, AuthenticateFirstMiddleware

ADMIN = object()


def _call(middleware: AuthenticateFirstMiddleware, token: str) -> tuple[list[Any], dict[str, Any]]:
    sent: list[Any] = []
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/alerts",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "query_string": b"",
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent, scope


def test_the_admin_token_is_not_looked_up_and_other_tokens_are() -> None:
    looked_up: list[str] = []
    reached: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["state"][VERIFIED_ACTOR])

    def token_actor(secret: str) -> Actor | None:
        looked_up.append(secret)
        return None

    def admin_actor(secret: str) -> Any:
        return ADMIN if secret == "admin-secret" else None

    middleware = AuthenticateFirstMiddleware(
        app, token_actor, lambda _key: False, admin_actor=admin_actor
    )

    _call(middleware, "admin-secret")
    sent, _ = _call(middleware, "stored-secret")

    assert reached == [ADMIN]
    assert looked_up == ["stored-secret"]
    assert sent[0]["status"] == 401
