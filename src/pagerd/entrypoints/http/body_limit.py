"""Refuse request bodies over a limit with a 413, without ever holding more than the limit.

A declared `Content-Length` over the limit is refused before anything is read. Otherwise the
body (chunked uploads included) is read chunk by chunk, counting; past the limit the request
is refused at once and the rest is never read. A body within the limit is handed on to the
application, which therefore never sees a partial body. A body that has not all arrived
within `timeout` seconds (a client stalling mid-body) is answered 408 and the connection
closed.
"""

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pagerd.entrypoints.http.errors import error_response

MAX_BODY_BYTES = 1024 * 1024
BODY_TIMEOUT = 30.0


class BodyLimitMiddleware:
    """ASGI middleware answering 413 in the API's error format for oversize bodies."""

    def __init__(
        self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, timeout: float = BODY_TIMEOUT
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await _too_slow(scope, receive, send, self.timeout)
                return
            if message["type"] != "http.request":
                return  # the client went away: nobody is left to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            "payload_too_large",
            f"the request body is over {_size(self.max_bytes)}",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


async def _too_slow(scope: Scope, receive: Receive, send: Send, timeout: float) -> None:
    response = error_response(
        408,
        "request_timeout",
        f"the request body did not arrive within {timeout:g} s",
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    return f"{n} bytes"


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # not a number: the server refuses it; count what arrives instead
    return 0


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives `messages` first, then defers to the real one (disconnects)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
