"""Pages over local HTTP, for tests that run real worker processes.

`PageReceiver` is an HTTP server the test runs on 127.0.0.1; it records every page it is
sent and can be told to hang, which keeps a worker mid-send (to kill it there).
`PostingSender` is the Sender that worker processes under test use instead of real channels:
it POSTs each page to the receiver as JSON. Neither is ever wired in production.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from pagerd.service_layer.paging import DeliveryResult, OutgoingPage


@dataclass(frozen=True)
class ReceivedPage:
    """One POST the receiver got; `at` is `time.monotonic()` on arrival."""

    idempotency_key: str
    notification_ids: tuple[str, ...]
    channel: str
    address: str
    worker_id: str
    at: float


class PageReceiver:
    """Records pages POSTed to `url`; while `hang()` is in effect, requests never answer."""

    def __init__(self) -> None:
        self.pages: list[ReceivedPage] = []
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._released.set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where senders POST."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/pages"

    def hang(self) -> None:
        """From now on, record each request and then hold it without answering."""
        self._released.clear()

    def release(self) -> None:
        """Answer held requests (their senders may be gone) and stop holding new ones."""
        self._released.set()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least `count` pages arrived; True when they did in time."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.pages) >= count, timeout)

    def close(self) -> None:
        """Stop serving."""
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _record(self, body: dict[str, Any]) -> None:
        page = ReceivedPage(
            idempotency_key=body["idempotency_key"],
            notification_ids=tuple(body["notification_ids"]),
            channel=body["channel"],
            address=body["address"],
            worker_id=body["worker_id"],
            at=time.monotonic(),
        )
        with self._changed:
            self.pages.append(page)
            self._changed.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver._record(json.loads(self.rfile.read(length)))
                receiver._released.wait(60)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None  # quiet: tests read `pages`, not access logs

        return Handler


class PostingSender:
    """Implements the Sender port by POSTing each page to a PageReceiver."""

    def __init__(self, url: str, worker_id: str, timeout: float = 30.0) -> None:
        self._url = url
        self._worker_id = worker_id
        self._client = httpx.Client(timeout=timeout)

    def send(self, page: OutgoingPage) -> DeliveryResult:
        body = {
            "idempotency_key": str(page.idempotency_key),
            "notification_ids": [str(item.notification_id) for item in page.items],
            "channel": page.channel.value,
            "address": page.address,
            "worker_id": self._worker_id,
        }
        try:
            response = self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            return DeliveryResult.transient(f"receiver unreachable: {exc}")
        if response.is_success:
            return DeliveryResult.delivered()
        if response.status_code >= 500:
            return DeliveryResult.transient(f"receiver answered {response.status_code}")
        return DeliveryResult.permanent(f"receiver answered {response.status_code}")
