"""Connections that stall are closed: a header read timeout in the HTTP protocol, and a
body read timeout in `BodyLimitMiddleware`; uvicorn's `limit_concurrency` caps connections.

uvicorn itself times out only idle keep-alive connections: a client that opens a connection
and sends half a request line, or a request's headers a byte at a time, held it forever, so
a few hundred such clients held every connection. `HeaderTimeoutH11Protocol` closes a
connection whose request headers are not complete within `header_timeout` seconds of the
moment pagerd started waiting for them (the connection opened, or the previous answer was
sent).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEADER_TIMEOUT = 10.0


class HeaderTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers arrive too slowly."""

    header_timeout = DEFAULT_HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waits = 0  # which wait for headers a timer belongs to

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._wait_for_headers()

    def _wait_for_headers(self) -> None:
        self._waits += 1
        self.loop.call_later(self.header_timeout, self._headers_overdue, self._waits)

    def _headers_overdue(self, wait: int) -> None:
        if wait != self._waits or self.transport.is_closing():
            return  # a later wait began, or the connection is gone
        if self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        ):
            self.transport.close()


def protocol_with_header_timeout(seconds: float) -> type[HeaderTimeoutH11Protocol]:
    """The protocol class with its header timeout set (uvicorn takes a class)."""
    return type(
        "ConfiguredHeaderTimeoutH11Protocol",
        (HeaderTimeoutH11Protocol,),
        {"header_timeout": seconds},
    )
