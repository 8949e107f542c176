"""The access log: one structured line per HTTP request, on the `pagerd.access` logger.

Each line has `event` "http.request", `method`, `route` (the path template, such as
`/ack/{token}`: secrets in paths, such as acknowledgement tokens, never reach the log; an
unmatched path is logged as `path` instead), `status`, `duration_ms` and `client`. The query
string is never logged (integration keys may travel in it). PAGERD_ACCESS_LOG=false turns it
off.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("pagerd.access")
_MAX_PATH = 200


class AccessLogMiddleware:
    """ASGI middleware logging every HTTP request once its answer has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the application fails before answering

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            _log_request(scope, status, time.perf_counter() - started)


def _route_template(scope: Scope) -> str | None:
    """The template of the route the request was addressed to, also when it was answered
    before routing (a 401 from the token check that runs before the body is read)."""
    if scope.get("route") is not None:
        return getattr(scope["route"], "path", None)
    return _matching_template(
        getattr(getattr(scope.get("app"), "router", None), "routes", []), scope
    )


def _matching_template(routes: list[Any], scope: Scope) -> str | None:
    for candidate in routes:
        included = getattr(candidate, "original_router", None)  # FastAPI's included router
        if included is not None:
            found = _matching_template(included.routes, scope)
            if found is not None:
                return found
            continue
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return getattr(candidate, "path", None)
    return None


def _log_request(scope: Scope, status: int, seconds: float) -> None:
    route = _route_template(scope)
    where = {"route": route} if route else {"path": str(scope.get("path", ""))[:_MAX_PATH]}
    client = scope.get("client")
    log.info(
        f"{scope.get('method', '?')} {route or where['path']} {status}",
        extra={
            "event": "http.request",
            "method": scope.get("method"),
            **where,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "client": client[0] if client else None,
        },
    )
