"""Connections that stall are closed: a header read timeout in the HTTP protocol, and a
body read timeout in `BodyLimitMiddleware`; uvicorn's `limit_concurrency` caps connections.

uvicorn itself times out only idle keep-alive connections: a client that opens a connection
and sends half a request line, or a request's headers a byte at a time, held it forever, so
a few hundred such clients held every connection. The protocols here close a connection
whose request headers are not complete within `header_timeout` seconds of the moment pagerd
started waiting for them (the connection opened, or the previous answer was sent).

`http_protocol` picks uvicorn's httptools protocol when httptools is installed (uvicorn's
`standard` extra, what production installs: its parser is C, h11's pure Python) and the h11
one otherwise; both behave the same here. h11 refuses request headers beyond 16 KiB (its
incomplete-event limit); the httptools protocol here refuses them too, as httptools itself
has no such limit.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEADER_TIMEOUT = 10.0
MAX_HEADER_BYTES = 16 * 1024  # h11's default limit on an incomplete request head


class _HeaderTimeout:
    """The timer shared by both protocols; `_waiting_for_headers` says what "stalled" means
    for each parser."""

    header_timeout = DEFAULT_HEADER_TIMEOUT
    _waits = 0  # which wait for headers a timer belongs to
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _wait_for_headers(self) -> None:
        self._waits += 1
        self.loop.call_later(self.header_timeout, self._headers_overdue, self._waits)

    def _headers_overdue(self, wait: int) -> None:
        if wait != self._waits or self.transport.is_closing():
            return  # a later wait began, or the connection is gone
        if self._waiting_for_headers():
            self.transport.close()

    def _waiting_for_headers(self) -> bool:
        raise NotImplementedError


class HeaderTimeoutH11Protocol(_HeaderTimeout, H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers arrive too slowly."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._wait_for_headers()

    def _waiting_for_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )


def _httptools_protocol() -> type[Any] | None:
    if importlib.util.find_spec("httptools") is None:
        return None
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeaderTimeoutHttpToolsProtocol(_HeaderTimeout, HttpToolsProtocol):
        """uvicorn's httptools protocol, closing connections whose request headers arrive
        too slowly, and answering 400 to request headers beyond MAX_HEADER_BYTES."""

        _header_bytes = 0  # bytes received since the current request's head began

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._wait_for_headers()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._wait_for_headers()

        def on_headers_complete(self) -> None:
            self._header_bytes = 0
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.transport.is_closing() or not self._waiting_for_headers():
                return
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self.send_400_response("Request headers too large.")

        def _waiting_for_headers(self) -> bool:
            # A request's cycle exists from its headers' end: none, or the previous one's
            # answer sent, means the next request's headers are still awaited.
            return self.cycle is None or self.cycle.response_complete

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
