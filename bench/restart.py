"""Benchmark 9: the restart gap. How long `pagerd serve` takes from spawn to ready (/readyz
200) and to firing a timer that fell due while it was down, on an empty database and on one
with a long history (N resolved alerts, as benchmark 6 seeds them), the same run.

Each start: one open alert whose timer fell due a second before the spawn (a one-level
policy, so firing it exhausts the alert and deletes the timer); the figure is the median of
a few starts. The empty database is the baseline: what Python, the imports and the
migrations check cost on this machine, whatever the history.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.process import fresh_database, start_pagerd
from bench.report import Result, ratio
from bench.seed import scalar, seed_history, seed_open_alerts, seed_services

STARTS = 3
GAP_TARGET_S = 2.0
FIRE_DEADLINE_S = 60.0


SIZE_ENV = "PAGERD_BENCH_RESTART_ALERTS"


def _sizes(quick: bool) -> int:
    """Resolved alerts in the history database: 1,000,000 (the target's size), 20,000 with
    `--quick`, or PAGERD_BENCH_RESTART_ALERTS."""
    configured = os.environ.get(SIZE_ENV)
    if configured:
        return int(configured.replace("_", "").replace(",", ""))
    return 20_000 if quick else 1_000_000


def _start_once(url: str, directory: Path, run: int) -> tuple[float, float]:
    """(seconds from spawn to ready, seconds from spawn to the overdue timer fired).

    The timer is watched from the spawn on, on a thread of its own: pagerd's engine starts
    before its HTTP app is built, so the timer may fire before /readyz answers.
    """
    [service] = seed_services(url, 1, prefix=f"restart-{run}")
    seed_open_alerts(url, [service], [datetime.now(UTC) - timedelta(seconds=1)])
    fired: list[float] = []
    stop = threading.Event()

    def watch_timer() -> None:
        while not stop.is_set() and time.monotonic() - spawned < FIRE_DEADLINE_S:
            if scalar(url, "SELECT count(*) FROM timers") == 0:
                fired.append(time.monotonic() - spawned)
                return
            time.sleep(0.01)

    spawned = time.monotonic()
    watcher = threading.Thread(target=watch_timer, daemon=True)
    watcher.start()
    try:
        running = start_pagerd(url, directory)
    except BaseException:
        stop.set()
        raise
    ready = time.monotonic() - spawned
    try:
        watcher.join(FIRE_DEADLINE_S)
        if not fired:
            raise RuntimeError("the overdue timer did not fire")
    finally:
        stop.set()
        running.stop()
    return ready, fired[0]


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
