"""Benchmark 4: many armed acknowledgement timers falling due; how late each one fires.

Seeds (bulk SQL) N open alerts, one per service, each at its last level with its timer due at
an instant spread evenly over a window (100,000 over 60 s in full mode). Firing such a timer
exhausts the alert (a one-level policy, no repeat): a timeline entry `exhausted` whose time is
the firing instant, and no page, so the figure is the timer path alone. Lateness of a timer =
that instant minus its due time. Then the same with `pagerd serve` killed (SIGKILL) in the
middle of the window and started again: every timer must still fire, exactly once.
Baseline: the lateness of a bare loop that only sleeps until each due time in this process
(the scheduling floor of this machine).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from bench.client import percentile
from bench.process import MemoryWatch, fresh_database, start_pagerd
from bench.report import Result
from bench.seed import scalar, seed_open_alerts, seed_services, seed_timers
from pagerd.adapters.sqlalchemy import tables as t
from pagerd.adapters.sqlalchemy.engine import create_engine_for

P99_TARGET_MS = 200.0


def _sizes(quick: bool) -> tuple[int, float, float]:
    """(timers, window seconds, lead seconds before the first is due)."""
    return (5_000, 10.0, 6.0) if quick else (100_000, 60.0, 12.0)


def _floor_ms(window: float) -> float:
    """p99 lateness of sleeping until 200 due times spread over a few seconds."""
    start = time.monotonic() + 0.05
    due = [start + i * min(window, 4.0) / 200 for i in range(200)]
    late = []
    for d in due:
        time.sleep(max(0.0, d - time.monotonic()))
        late.append((time.monotonic() - d) * 1000)
    return percentile(late, 99)


def _seed(url: str, count: int) -> list[UUID]:
    """`count` open alerts, each of a service whose one-level policy its timer will exhaust;
    no timers yet (`_arm`)."""
    services = seed_services(
        url,
        count,
        targets=lambda i: [
            {"id": str(_uuid()), "channel": "email", "address": f"oncall-{i}@bench.example"}
        ],
    )
    return seed_open_alerts(url, services, None)


def _arm(url: str, alert_ids: list[UUID], window: float, lead: float) -> dict[UUID, datetime]:
    """Timers for `alert_ids`, due over `window` seconds from `lead` seconds from now.

    Armed once pagerd is ready: seeding and start-up (seconds, at 100,000 rows) must not eat
    into the lead, or the first timers would be due before anyone could fire them.
    """
    first = datetime.now(UTC) + timedelta(seconds=lead)
    count = len(alert_ids)
    due = [first + timedelta(seconds=window * i / count) for i in range(count)]
    seed_timers(url, alert_ids, due)
    return dict(zip(alert_ids, due, strict=True))


def _uuid() -> UUID:
    import uuid

    return uuid.uuid4()


def _firings(url: str) -> list[tuple[UUID, datetime]]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            query = sa.select(t.timeline.c.alert_id, t.timeline.c.at).where(
                t.timeline.c.type == "exhausted"
            )
            return [(row.alert_id, row.at) for row in connection.execute(query)]
    finally:
        engine.dispose()


def _wait_fired(url: str, deadline: float) -> int:
    """Poll until no timer is left (or the deadline); return how many are left."""
    while True:
        left = int(scalar(url, "SELECT count(*) FROM timers"))
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(1.0)


def _one_run(
    backend: str, directory: Path, quick: bool, memory: MemoryWatch, restart: bool
) -> dict[str, object]:
    count, window, lead = _sizes(quick)
    with fresh_database(backend, directory) as url:
        alert_ids = _seed(url, count)
        began = time.monotonic()
        server = start_pagerd(url, directory)
        memory.watch(server.process.pid)
        startup = time.monotonic() - began
        began = time.monotonic()
        due = _arm(url, alert_ids, window, lead)
        try:
            if restart:
                time.sleep(max(0.0, lead + window / 2 - (time.monotonic() - began)))
                server.kill()
                server = start_pagerd(url, directory)
                memory.watch(server.process.pid)
            left = _wait_fired(url, began + lead + window + 900)
        finally:
            server.stop()
        firings = _firings(url)
    late_ms = [(at - due[a]).total_seconds() * 1000 for a, at in firings if a in due]
    per_alert = Counter(a for a, _ in firings)
    return {
        "timers": count,
        "startup_s": round(startup, 1),
        "left_unfired": left,
        "fired": len(per_alert),
        "fired_twice": sum(1 for c in per_alert.values() if c > 1),
        "never_fired": count - len(per_alert),
        "p50_ms": percentile(late_ms, 50),
        "p99_ms": percentile(late_ms, 99),
        "max_ms": max(late_ms, default=0.0),
    }


def run_timers(quick: bool, directory: Path, backends: list[str]) -> Result:
    count, window, _ = _sizes(quick)
    result = Result("timers")
    floor = _floor_ms(window)
    result.figures["baseline: p99 lateness of a bare sleep loop, ms"] = round(floor, 2)
    result.figures["load"] = f"{count} timers due over {window:g} s ({count / window:.0f}/s)"
    memory = MemoryWatch()
    memory.start()
    for backend in backends:
        for restart in (False, True):
            label = f"{backend}{', killed and restarted mid-window' if restart else ''}"
            run = _one_run(backend, directory, quick, memory, restart)
            result.figures[f"{label}: lateness p50 / p99 / max ms"] = (
                f"{run['p50_ms']:.0f} / {run['p99_ms']:.0f} / {run['max_ms']:.0f}"
            )
            p99 = float(run["p99_ms"])  # type: ignore[arg-type]
            result.figures[f"{label}: p99 ratio to bare loop"] = round(p99 / max(floor, 0.01), 1)
            once = run["never_fired"] == 0 and run["fired_twice"] == 0
            result.check(
                f"{label}: every timer fired once",
                "all once",
                f"{run['never_fired']} never, {run['fired_twice']} twice",
                once,
            )
            if not restart:
                result.check(
                    f"{label}: p99 lateness",
                    f"<= {P99_TARGET_MS:.0f} ms",
                    f"{p99:.0f} ms",
                    p99 <= P99_TARGET_MS,
                )
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result
