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


def _log_request(scope: Scope, status: int, seconds: float) -> None:
    route = getattr(scope.get("route"), "path", None)
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
