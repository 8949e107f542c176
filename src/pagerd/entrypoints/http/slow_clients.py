"""Connections that stall are closed: a header read timeout in the HTTP protocol, and a
body read timeout in `BodyLimitMiddleware`; uvicorn's `limit_concurrency` caps connections.

uvicorn itself times out only idle keep-alive connections, and any byte received restarts
that wait: a client that opens a connection and sends half a request line, or a request's
headers a byte at a time, held it forever, so a few hundred such clients held every
connection. The protocols here close a connection on which pagerd waits for its client for
longer than `header_timeout` seconds: from the moment the connection opened or the previous
answer was complete, until the next request's headers are complete.

That wait includes the rest of a body pagerd answered without reading (a 404 to a POST, say):
what the client still sends there is no one's work, and a client trickling such a body held
the connection as a stalled header did.

`http_protocol` picks uvicorn's httptools protocol when httptools is installed (uvicorn's
`standard` extra, what production installs: its parser is C, h11's pure Python) and the h11
one otherwise; both behave the same here. h11 refuses a request head beyond 16 KiB (its
incomplete-event limit); the httptools protocol here refuses it too (400), as httptools
itself has no such limit.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEADER_TIMEOUT = 10.0
MAX_HEADER_BYTES = 16 * 1024  # h11's default limit on an incomplete request head


class _HeaderTimeout:
    """The clock shared by both protocols. Each calls `_watch_client` wherever a request's
    headers may have become complete or its answer finished."""

    header_timeout = DEFAULT_HEADER_TIMEOUT
    _overdue: asyncio.TimerHandle | None = None  # armed while waiting for the client
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any

    def _watch_client(self) -> None:
        """Start the clock when pagerd begins waiting for a request, stop it when one came.

        Waiting means no request is being answered: none arrived yet, or the last answer is
        complete. Bytes of an incomplete request do not restart the clock."""
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and self._overdue is None:
            self._overdue = self.loop.call_later(self.header_timeout, self._close_stalled)
        elif not waiting:
            self._stop_clock()

    def _stop_clock(self) -> None:
        if self._overdue is not None:
            self._overdue.cancel()
            self._overdue = None

    def _close_stalled(self) -> None:
        self._overdue = None
        if not self.transport.is_closing():
            self.transport.close()


class HeaderTimeoutH11Protocol(_HeaderTimeout, H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers arrive too slowly."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_client()

    def handle_events(self) -> None:
        # Runs on every byte received and when a pipelined request is let through: the
        # place where a request's headers become complete, and a new cycle begins.
        super().handle_events()
        self._watch_client()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_client()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)


def _httptools_protocol() -> type[Any] | None:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools is not installed
        return None

    class HeaderTimeoutHttpToolsProtocol(_HeaderTimeout, HttpToolsProtocol):
        """uvicorn's httptools protocol, closing connections whose request headers arrive
        too slowly, and answering 400 to a request head beyond MAX_HEADER_BYTES."""

        _head_bytes = 0  # bytes received while waiting for the current request's head

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch_client()

        def on_headers_complete(self) -> None:
            self._head_bytes = 0
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            # httptools parses every byte here: a request's headers complete (a new cycle)
            # only within this call.
            super().data_received(data)
            if self.transport.is_closing():
                return
            self._watch_client()
            if self.cycle is None or self.cycle.response_complete:
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEADER_BYTES:
                    self.send_400_response("Request headers too large.")

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch_client()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_clock()
            super().connection_lost(exc)

    return HeaderTimeoutHttpToolsProtocol


def http_protocol(seconds: float, prefer_httptools: bool = True) -> type[Any]:
    """The protocol class for uvicorn (it takes a class) with its header timeout set:
    httptools' when installed and `prefer_httptools`, h11's otherwise."""
    base = _httptools_protocol() if prefer_httptools else None
    return type(
        "ConfiguredHeaderTimeoutProtocol",
        (base or HeaderTimeoutH11Protocol,),
        {"header_timeout": seconds},
    )
