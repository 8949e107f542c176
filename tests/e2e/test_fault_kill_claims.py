"""SIGKILL of `pagerd serve` while it holds claimed pages, then a restart: the pages the
dead process had claimed are delivered within seconds of the restart (its liveness row names
a pid that no longer runs on this host), not when their 60 s lease runs out; each exactly
once, and nothing already delivered is sent again.

The webhook receiver holds the killed process's requests unanswered and never counts them:
those pages were claimed and in flight, not delivered.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from pagerd.testing.serve_process import start_pagerd
from tests.e2e.polling import wait_for

pytestmark = pytest.mark.slow

TARGETS = 4
RESTART_DEADLINE = 5.0  # the target: the dead process's pages delivered within 5 s
ENV = {"PAGERD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}


class HoldingWebhook:
    """Webhook receiver. While held, requests are parked unanswered and never counted (the
    page was in flight when its sender died); otherwise each is counted by address."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: list[tuple[str, str, float]] = []  # (path, delivery id, monotonic)
        self.parked = 0
        self._holding = threading.Event()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def hold(self) -> None:
        self._released.clear()
        self._holding.set()

    def release(self) -> None:
        self._holding.clear()
        self._released.set()

    def paths(self) -> Counter[str]:
        with self._lock:
            return Counter(path for path, _, _ in self.received)

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver._holding.is_set():
                    with receiver._lock:
                        receiver.parked += 1
                    receiver._released.wait(120)
                    self.close_connection = True
                    return  # never answered, never counted: its sender is dead
                delivery = json.loads(body)["delivery_id"]
                with receiver._lock:
                    receiver.received.append((self.path, delivery, time.monotonic()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


def _service(client: httpx.Client, name: str, urls: list[str]) -> str:
    service_id: str = client.post("/api/v1/services", json={"name": name}).json()["id"]
    targets = [{"type": "webhook", "url": url} for url in urls]
    body = {"levels": [{"ack_timeout_seconds": 3600, "targets": targets}]}
    answer = client.put(f"/api/v1/services/{service_id}/escalation-policy", json=body)
    assert answer.status_code == 200, answer.text
    return service_id


def _alert(client: httpx.Client, service_id: str, key: str) -> str:
    body = {"monitored_service_id": service_id, "message": f"{key} failing", "dedup_key": key}
    answer = client.post("/api/v1/alerts", json=body)
    assert answer.status_code == 202, answer.text
    alert_id: str = answer.json()["alert"]["id"]
    return alert_id


def _all_sent(client: httpx.Client, alert_id: str, count: int = TARGETS) -> bool:
    """Whether the alert has exactly `count` pages, all recorded sent."""
    answer = client.get(f"/api/v1/alerts/{alert_id}/notifications", params={"limit": 100})
    items = answer.json()["items"]
    return len(items) == count and all(item["status"] == "sent" for item in items)


def test_pages_claimed_by_a_killed_process_are_delivered_once_within_seconds_of_the_restart(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    webhook = HoldingWebhook()
    before = [f"{webhook.base_url}/hooks/before/{i}" for i in range(TARGETS)]
    doomed = [f"{webhook.base_url}/hooks/doomed/{i}" for i in range(TARGETS)]
    first = start_pagerd(database_url, tmp_path, env=ENV)
    second = None
    try:
        with first.client() as client:
            # Delivered and recorded before the kill: must never be sent again.
            delivered_id = _alert(client, _service(client, "before", before), "before")
            wait_for(lambda: _all_sent(client, delivered_id), 20, 0.1, "the first pages sent")
            doomed_service = _service(client, "doomed", doomed)
            webhook.hold()
            doomed_id = _alert(client, doomed_service, "doomed")
            wait_for(lambda: webhook.parked >= TARGETS, 20, 0.05, "the claimed pages in flight")

        first.kill()  # SIGKILL: no release of its claims, no sign-off
        spawned = time.monotonic()
        webhook.release()  # the dead process's requests go unanswered and uncounted
        second = start_pagerd(database_url, tmp_path, env=ENV, port=first.port)
        ready = time.monotonic()

        wait_for(
            lambda: all(webhook.paths()[url.removeprefix(webhook.base_url)] for url in doomed),
            RESTART_DEADLINE,
            0.02,
            "the dead process's pages delivered",
        )
        delivered = time.monotonic()
        with second.client() as client:
            wait_for(lambda: _all_sent(client, doomed_id), 10, 0.1, "the resent pages recorded")
        time.sleep(1.0)  # room for a duplicate to show up, were there one

        paths = webhook.paths()
        assert {path: paths[path] for path in paths} == {
            url.removeprefix(webhook.base_url): 1 for url in before + doomed
        }, "each page delivered exactly once"
        assert delivered - ready < RESTART_DEADLINE
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
        webhook.close()

    with capsys.disabled():
        print(
            f"\nSIGKILL with {TARGETS} claimed pages: delivered {delivered - ready:.2f} s after "
            f"the restart was ready ({delivered - spawned:.2f} s after it was spawned)"
        )
