"""Benchmark 6: ingest and list latency with a long history (1,000,000 resolved alerts).

Two databases per backend, measured the same way one after the other: one with only the
services, one with the same services plus N resolved alerts over the past 30 days (with their
dedup keys, timeline entries and sent notifications: 6 rows per alert), seeded with bulk SQL.
On each: the ingest rate (as benchmark 1), then list latency, one request at a time, once
the pages of the ingest are sent: the alert list newest first and by status (20 pages each,
following cursors), and the first page of 20 services' alerts. The empty database is the
baseline.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from bench.client import Http, percentile
from bench.ingest import CONNECTIONS, MAX_RATE_GUESS
from bench.process import MemoryWatch, fresh_database, pagerd_running
from bench.report import Result, ratio
from bench.seed import SeededService, scalar, seed_history, seed_services
from bench.wrk import run_wrk

LIST_P99_TARGET_MS = 50.0
INGEST_RATIO_TARGET = 0.8
PAGES = 20


def _sizes(quick: bool) -> tuple[int, float]:
    """(resolved alerts, ingest seconds)."""
    return (20_000, 4.0) if quick else (1_000_000, 20.0)


def _list_latencies(base_url: str, services: list[SeededService]) -> list[float]:
    client = Http(base_url)
    latencies: list[float] = []

    def timed(path: str) -> dict[str, object]:
        began = time.monotonic()
        status, body = client.request("GET", path)
        latencies.append((time.monotonic() - began) * 1000)
        assert status == 200, (status, body)
        return body  # type: ignore[no-any-return]

    for query in ("", "&status=resolved", "&status=open"):
        cursor: object = None
        for _ in range(PAGES):
            suffix = f"&cursor={cursor}" if cursor else ""
            body = timed(f"/api/v1/alerts?limit=50{query}{suffix}")
            cursor = body.get("next_cursor")
            if not cursor:
                break
    for service in random.Random(7).sample(services, 20):
        timed(f"/api/v1/alerts?limit=50&monitored_service_id={service.id}")
    client.close()
    return latencies


def _wait_pages_sent(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scalar(url, "SELECT count(*) FROM notifications WHERE status = 'pending'") == 0:
            return
        time.sleep(0.5)


def _measure(
    backend: str, directory: Path, history: int, seconds: float, memory: MemoryWatch
) -> dict[str, float]:
    with fresh_database(backend, directory) as url:
        services = seed_services(url, int(seconds * MAX_RATE_GUESS) + 2000)
        began = time.monotonic()
        if history:
            seed_history(url, services, history)
        seeding = time.monotonic() - began
        ids = [str(s.id) for s in services]
        with pagerd_running(url, directory, memory) as server:
            run = run_wrk(server.base_url, ids, directory, seconds=seconds, connections=CONNECTIONS)
            _wait_pages_sent(url)
            _list_latencies(server.base_url, services)  # warm the caches once
            lists = [ms for _ in range(3) for ms in _list_latencies(server.base_url, services)]
    return {
        "rate": run.rate,
        "errors": run.errors,
        "seeding_s": seeding,
        "list_p50": percentile(lists, 50),
        "list_p99": percentile(lists, 99),
        "list_max": max(lists),
        "list_n": len(lists),
    }


def run_history(quick: bool, directory: Path, backends: list[str]) -> Result:
    history, seconds = _sizes(quick)
    result = Result("history")
    result.figures["history"] = f"{history} resolved alerts (6 rows each)"
    memory = MemoryWatch()
    memory.start()
    for backend in backends:
        empty = _measure(backend, directory, 0, seconds, memory)
        full = _measure(backend, directory, history, seconds, memory)
        for label, m in ((f"{backend}, empty", empty), (f"{backend}, with history", full)):
            result.figures[f"{label}: ingest alerts/s"] = round(m["rate"], 1)
            result.figures[f"{label}: list p50 / p99 / max ms ({int(m['list_n'])} requests)"] = (
                f"{m['list_p50']:.1f} / {m['list_p99']:.1f} / {m['list_max']:.1f}"
            )
        result.figures[f"{backend}: seeding took s"] = round(full["seeding_s"], 1)
        r = ratio(full["rate"], empty["rate"])
        result.figures[f"{backend}: ingest ratio to empty database"] = r
        result.check(
            f"{backend}: ingest with history vs empty",
            f">= {INGEST_RATIO_TARGET}",
            r,
            r >= INGEST_RATIO_TARGET,
        )
        p99 = full["list_p99"]
        result.check(
            f"{backend}: list p99 with history",
            f"< {LIST_P99_TARGET_MS:.0f} ms",
            f"{p99:.1f} ms",
            p99 < LIST_P99_TARGET_MS,
        )
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result
