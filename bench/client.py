"""A small, fast HTTP client for the benchmarks wrk cannot express.

`http.client` with one keep-alive connection per thread: an exact number of requests from a
given number of concurrent clients (the storm), an open loop at a steady rate (alert to first
page), or one request at a time for latency (history lists). The storm benchmark measures
this client against the bare endpoint in the same run, to show it is not the bottleneck.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bench.process import ADMIN_TOKEN


class Http:
    """One keep-alive connection; reconnects once when the server closed it."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._conn = http.client.HTTPConnection(self._host, self._port, timeout=60)
        self._headers = {
            "Authorization": f"Bearer {ADMIN_TOKEN}",
            "Content-Type": "application/json",
        }

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self._conn.request(method, path, payload, self._headers)
                response = self._conn.getresponse()
                data = response.read()
                return response.status, json.loads(data) if data else None
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._conn.close()


def post_alert(client: Http, service_id: str, message: str) -> int:
    status, _ = client.request(
        "POST", "/api/v1/alerts", {"monitored_service_id": service_id, "message": message}
    )
    return status


@dataclass(frozen=True)
class ClosedLoop:
    """What `closed_loop` measured."""

    seconds: float
    statuses: dict[int, int]
    answered: dict[str, float]  # monotonic time each 202 was answered, by message

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def closed_loop(base_url: str, work: Sequence[tuple[str, str]], clients: int) -> ClosedLoop:
    """Post every (service id, message) of `work` from `clients` threads, as fast as answered."""
    statuses: dict[int, int] = {}
    answered: dict[str, float] = {}
    lock = threading.Lock()
    shares = [work[i::clients] for i in range(clients)]
    start = threading.Barrier(clients + 1)

    def run(share: Sequence[tuple[str, str]]) -> None:
        client = Http(base_url)
        client.request("GET", "/readyz")  # connect before the clock starts
        start.wait()
        for service_id, message in share:
            status = post_alert(client, service_id, message)
            at = time.monotonic()
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 202:
                    answered[message] = at
        client.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    start.wait()
    began = time.monotonic()
    for t in threads:
        t.join()
    return ClosedLoop(time.monotonic() - began, statuses, answered)


def open_loop(
    base_url: str, count: int, rate: float, send: Callable[[Http, int], None], threads: int = 8
) -> float:
    """Call `send(client, i)` for i in 0..count-1 at `rate` per second, whatever the answers
    take (an open loop: a slow answer does not delay the next alert). Returns the seconds the
    schedule took."""
    local = threading.local()

    def call(i: int) -> None:
        if not hasattr(local, "client"):
            local.client = Http(base_url)
        send(local.client, i)

    began = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        for i in range(count):
            delay = began + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(call, i)
    return time.monotonic() - began


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
