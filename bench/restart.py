"""Benchmark 9: the restart gap. How long `pagerd serve` takes from spawn to ready (/readyz
200) and to firing a timer that fell due while it was down, on an empty database and on one
with a long history (N resolved alerts, as benchmark 6 seeds them), the same run.

Each start: one open alert whose timer fell due a second before the spawn (a one-level
policy, so firing it exhausts the alert and deletes the timer); the figure is the median of
a few starts. The empty database is the baseline: what Python, the imports and the
migrations check cost on this machine, whatever the history.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.process import fresh_database, start_pagerd
from bench.report import Result, ratio
from bench.seed import scalar, seed_history, seed_open_alerts, seed_services

STARTS = 3
GAP_TARGET_S = 2.0
FIRE_DEADLINE_S = 60.0


def _sizes(quick: bool) -> int:
    """Resolved alerts in the history database (a million takes minutes to seed on SQLite)."""
    return 20_000 if quick else 200_000


def _start_once(url: str, directory: Path, run: int) -> tuple[float, float]:
    """(seconds from spawn to ready, seconds from spawn to the overdue timer fired)."""
    [service] = seed_services(url, 1, prefix=f"restart-{run}")
    seed_open_alerts(url, [service], [datetime.now(UTC) - timedelta(seconds=1)])
    spawned = time.monotonic()
    running = start_pagerd(url, directory)
    ready = time.monotonic() - spawned
    try:
        while scalar(url, "SELECT count(*) FROM timers") != 0:
            if time.monotonic() - spawned > FIRE_DEADLINE_S:
                raise RuntimeError("the overdue timer did not fire")
            time.sleep(0.01)
        fired = time.monotonic() - spawned
    finally:
        running.stop()
    return ready, fired


def _median_starts(url: str, directory: Path) -> tuple[float, float]:
    starts = [_start_once(url, directory, run) for run in range(STARTS)]
    return (
        round(statistics.median(s[0] for s in starts), 2),
        round(statistics.median(s[1] for s in starts), 2),
    )


def run_restart(quick: bool, directory: Path, backends: list[str]) -> Result:
    history = _sizes(quick)
    result = Result(f"restart: spawn to ready and to an overdue timer, {history:,} old alerts")
    for backend in backends:
        with fresh_database(backend, directory) as empty:
            ready_empty, fired_empty = _median_starts(empty, directory)
        with fresh_database(backend, directory) as full:
            seed_history(full, seed_services(full, 50), history)
            ready_full, fired_full = _median_starts(full, directory)
        result.figures[f"{backend}: empty, spawn to ready / timer fired, s"] = (
            f"{ready_empty} / {fired_empty}"
        )
        result.figures[f"{backend}: history, spawn to ready / timer fired, s"] = (
            f"{ready_full} / {fired_full}"
        )
        result.figures[f"{backend}: history / empty, to timer fired"] = ratio(
            fired_full, fired_empty
        )
        gap = round(fired_full - fired_empty, 2)
        result.check(
            f"{backend}: what the history adds to the restart (timer fired)",
            f"< {GAP_TARGET_S} s",
            f"{gap} s",
            gap < GAP_TARGET_S,
        )
    return result
