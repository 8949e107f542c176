"""Connections that stall are closed: a header read timeout in the HTTP protocol, and a
body read timeout in `BodyLimitMiddleware`; uvicorn's `limit_concurrency` caps connections.

uvicorn itself times out only idle keep-alive connections, and any byte received restarts
that wait: a client that opens a connection and sends half a request line, or a request's
headers a byte at a time, held it forever, so a few hundred such clients held every
connection. `HeaderTimeoutH11Protocol` closes a connection on which pagerd waits for its
client for longer than `header_timeout` seconds: from the moment the connection opened or
the previous answer was complete, until the next request's headers are complete.

That wait includes the rest of a body pagerd answered without reading (a 404 to a POST, say):
what the client still sends there is no one's work, and a client trickling such a body held
the connection as a stalled header did.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEADER_TIMEOUT = 10.0


class HeaderTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers arrive too slowly."""

    header_timeout = DEFAULT_HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._overdue: asyncio.TimerHandle | None = None  # armed while waiting for the client

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


def protocol_with_header_timeout(seconds: float) -> type[HeaderTimeoutH11Protocol]:
    """The protocol class with its header timeout set (uvicorn takes a class)."""
    return type(
        "ConfiguredHeaderTimeoutH11Protocol",
        (HeaderTimeoutH11Protocol,),
        {"header_timeout": seconds},
    )
