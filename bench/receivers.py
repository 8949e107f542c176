"""Local receivers that timestamp what pagerd delivers: an SMTP server and a webhook server.

Both record, for every message, the moment it was accepted (`time.monotonic()` in this
process) and the alert messages it carried, so a benchmark can match them with the moment it
sent each alert.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.process import free_port

_MARK = re.compile(r"bench-(\d+)")


class Arrivals:
    """Thread-safe record of which numbered alert arrived when, and how many times."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.first: dict[int, float] = {}
        self.count: dict[int, int] = {}
        self.deliveries: dict[str, int] = {}  # times each page arrived (by Message-ID or
        # a webhook item's notification_id)

    def record(self, text: str, at: float) -> None:
        with self._lock:
            for number in {int(m) for m in _MARK.findall(text)}:
                self.first.setdefault(number, at)
                self.count[number] = self.count.get(number, 0) + 1

    def delivered(self, key: str) -> None:
        """Count one delivery of the page `key` names (a Message-ID, a notification_id)."""
        with self._lock:
            self.deliveries[key] = self.deliveries.get(key, 0) + 1

    def pages(self) -> tuple[int, int]:
        """(distinct pages delivered, deliveries beyond the first of each)."""
        with self._lock:
            extra = sum(c - 1 for c in self.deliveries.values())
            return len(self.deliveries), extra

    def duplicates(self) -> int:
        with self._lock:
            return sum(c - 1 for c in self.count.values() if c > 1)


class _SmtpHandler:
    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.monotonic()
        parsed = message_from_bytes(envelope.content)
        self.arrivals.record(str(parsed.get("Subject", "")), at)
        self.arrivals.delivered(str(parsed.get("Message-ID", "")))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Arrivals]]:
    """An SMTP server on 127.0.0.1 (aiosmtpd, on its own thread); yields (port, arrivals)."""
    from aiosmtpd.controller import Controller

    arrivals = Arrivals()
    port = free_port()
    controller = Controller(_SmtpHandler(arrivals), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, arrivals
    finally:
        controller.stop()


@contextmanager
def webhook_server() -> Iterator[tuple[str, Arrivals]]:
    """An HTTP server on 127.0.0.1 answering 200 to every POST; yields (url, arrivals)."""
    arrivals = Arrivals()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            at = time.monotonic()
            try:
                payload = json.loads(body)
                messages = [a["message"] for a in payload["alerts"]]
                for alert in payload["alerts"]:  # pages to one address may share a POST
                    if "notification_id" in alert:  # not in the bench's own direct posts
                        arrivals.delivered(str(alert["notification_id"]))
            except (ValueError, KeyError, TypeError):
                messages = []
            arrivals.record(" ".join(messages), at)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", arrivals
    finally:
        server.shutdown()
        server.server_close()
