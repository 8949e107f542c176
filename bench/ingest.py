"""Benchmarks 1 and 2: ingest of new alerts, and dedup into open incidents, over HTTP.

Ingest: every request is a new alert for a different healthy service whose policy pages two
targets (e-mail and SMS, both to the dev outbox), against `pagerd serve` (API and workers in
one process) on SQLite, on PostgreSQL, and on PostgreSQL with two processes; and, on SQLite,
with real channels: an e-mail target through a local SMTP server and a webhook target to a
local HTTP receiver, the dispatcher in the same process, every page counted at the
receivers (delivered exactly once). Dedup: every request joins a service's open incident.

Both compare with the bare endpoints (bench/baseline.py) measured in the same run with the
same wrk settings: every row gives its ratio to the bare Starlette app (the floor of a
Python ASGI service here), and to the `pagerd-stack` baseline of the previous rounds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.process import MemoryWatch, baseline_running, fresh_database, pagerd_running
from bench.receivers import Arrivals, smtp_server, webhook_server
from bench.report import Result, ratio
from bench.seed import scalar, seed_open_alerts, seed_services
from bench.wrk import WrkResult, run_wrk, run_wrk_parallel

CONNECTIONS = 16
MAX_RATE_GUESS = 1500  # requests/s; services are seeded for this rate, and checked after


def _seconds(quick: bool) -> float:
    return 4.0 if quick else 20.0


BASELINES = ("starlette", "fastapi", "pagerd-stack")


def measure_baseline(directory: Path, seconds: float, kind: str = "pagerd-stack") -> WrkResult:
    """A bare endpoint's rate with the same wrk settings as pagerd's runs."""
    ids = [str(uuid.uuid4()) for _ in range(1000)]
    with baseline_running(directory, kind=kind) as url:
        run_wrk(url, ids, directory, seconds=1, connections=CONNECTIONS)  # warm up
        return run_wrk(url, ids, directory, seconds=seconds, connections=CONNECTIONS)


def durable_commits_per_second(directory: Path, commits: int = 300) -> float:
    """The ceiling of one-row SQLite transactions per second on this disk, with pagerd's
    settings (WAL, synchronous=FULL): each commit waits for an fsync."""
    import sqlite3

    connection = sqlite3.connect(directory / "fsync-probe.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
    began = time.perf_counter()
    for n in range(commits):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO probe VALUES (?)", (n,))
        connection.execute("COMMIT")
    rate = commits / (time.perf_counter() - began)
    connection.close()
    return rate


def measure_baselines(result: Result, directory: Path, seconds: float) -> dict[str, WrkResult]:
    """Every baseline, one after the other, their rates added to `result`."""
    measured = {kind: measure_baseline(directory, seconds, kind) for kind in BASELINES}
    for kind, run in measured.items():
        result.figures[f"baseline {kind}: requests/s"] = round(run.rate, 1)
    return measured


def _figures(
    result: Result,
    label: str,
    run: WrkResult,
    baseline: WrkResult,
    starlette: WrkResult | None = None,
) -> None:
    result.figures[f"{label}: alerts/s"] = round(run.rate, 1)
    result.figures[f"{label}: ratio to baseline"] = ratio(run.rate, baseline.rate)
    if starlette is not None:
        result.figures[f"{label}: ratio to bare Starlette"] = ratio(run.rate, starlette.rate)
    result.figures[f"{label}: latency p50 / p99 ms"] = f"{run.p50_ms:.1f} / {run.p99_ms:.1f}"
    result.figures[f"{label}: errors"] = run.errors


def _ingest_once(
    backend: str, processes: int, directory: Path, seconds: float, memory: MemoryWatch
) -> tuple[WrkResult, str]:
    """Run ingest on a fresh database; return the combined wrk result and a consistency note."""
    with fresh_database(backend, directory) as url:
        services = seed_services(url, int(seconds * MAX_RATE_GUESS) + 2000)
        ids = [str(s.id) for s in services]
        with _servers(url, directory, memory, processes) as urls:
            if processes == 1:
                run = run_wrk(urls[0], ids, directory, seconds=seconds, connections=CONNECTIONS)
            else:
                runs = run_wrk_parallel(
                    urls, ids, directory, seconds=seconds, connections=CONNECTIONS // processes
                )
                run = _combine(runs)
        alerts = scalar(url, "SELECT count(*) FROM alerts")
        joined = scalar(url, "SELECT count(*) FROM timeline_entries WHERE type = 'joined'")
    exhausted = run.requests > len(ids)
    note = f"alerts stored {alerts}, answered {run.requests - run.errors}, joined {joined}"
    if exhausted or joined:
        note += " (INVALID: some alerts were dedups, seed more services)"
    return run, note


def _combine(runs: list[WrkResult]) -> WrkResult:
    return WrkResult(
        requests=sum(r.requests for r in runs),
        seconds=max(r.seconds for r in runs),
        errors=sum(r.errors for r in runs),
        p50_ms=max(r.p50_ms for r in runs),
        p99_ms=max(r.p99_ms for r in runs),
        wrk_cpu_seconds=sum(r.wrk_cpu_seconds for r in runs),
    )


@contextmanager
def _servers(url: str, directory: Path, memory: MemoryWatch, processes: int) -> Iterator[list[str]]:
    """`processes` pagerd serve processes on one database; yields their base URLs."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(pagerd_running(url, directory, memory)).base_url
            for _ in range(processes)
        ]


def run_ingest(quick: bool, directory: Path, backends: list[str]) -> Result:
    """Benchmark 1."""
    seconds = _seconds(quick)
    memory = MemoryWatch()
    memory.start()
    result = Result("ingest")
    baselines = measure_baselines(result, directory, seconds)
    baseline, starlette = baselines["pagerd-stack"], baselines["starlette"]
    result.figures["baseline: wrk CPU (share of one core)"] = round(starlette.wrk_cpu_share, 2)
    if "sqlite" in backends:
        fsyncs = durable_commits_per_second(directory)
        result.figures["this disk: durable SQLite commits/s (ceiling)"] = round(fsyncs)
    targets = {("sqlite", 1): 0.35, ("postgres", 1): 0.30}
    pg_one: WrkResult | None = None
    for backend in backends:
        for processes in (1, 2) if backend == "postgres" else (1,):
            label = f"{backend}, {processes} process{'es' if processes > 1 else ''}"
            run, note = _ingest_once(backend, processes, directory, seconds, memory)
            _figures(result, label, run, baseline, starlette)
            result.figures[f"{label}: check"] = note
            if (backend, processes) in targets:
                goal = targets[(backend, processes)]
                r = ratio(run.rate, baseline.rate)
                result.check(f"{label} vs baseline", f">= {goal}", r, r >= goal)
            if backend == "postgres" and processes == 1:
                pg_one = run
            elif pg_one is not None:
                r = ratio(run.rate, pg_one.rate)
                result.check("postgres, 2 processes vs 1", ">= 1.6", r, r >= 1.6)
    if "sqlite" in backends:
        _real_channels(result, directory, seconds, memory, starlette, baseline)
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result


def _real_channels(
    result: Result,
    directory: Path,
    seconds: float,
    memory: MemoryWatch,
    starlette: WrkResult,
    baseline: WrkResult,
) -> None:
    """Ingest on SQLite with every page really sent: an e-mail through a local SMTP server
    and a webhook to a local receiver, by the dispatcher of the same `pagerd serve`."""
    label = "sqlite, real channels"
    with smtp_server() as (smtp_port, smtp), webhook_server() as (hook_url, hook):
        env = {
            "PAGERD_SMTP_HOST": "127.0.0.1",
            "PAGERD_SMTP_PORT": str(smtp_port),
            "PAGERD_SMTP_STARTTLS": "false",
            "PAGERD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        with fresh_database("sqlite", directory) as url:
            services = seed_services(
                url,
                int(seconds * MAX_RATE_GUESS) + 2000,
                targets=lambda i: [
                    {"id": str(uuid.uuid4()), "channel": "email", "address": f"on-{i}@b.example"},
                    {"id": str(uuid.uuid4()), "channel": "webhook", "address": hook_url},
                ],
            )
            ids = [str(s.id) for s in services]
            with pagerd_running(url, directory, memory, env=env) as server:
                run = run_wrk(server.base_url, ids, directory, seconds=seconds)
                ended = time.monotonic()
                drained_at = _wait_delivered(url, [smtp, hook], timeout=120)
                drained = drained_at is not None
                drain_s = (drained_at or time.monotonic()) - ended
                alerts = scalar(url, "SELECT count(*) FROM alerts")
            sent = scalar(url, "SELECT count(*) FROM notifications WHERE status = 'sent'")
    _figures(result, label, run, baseline, starlette)
    (emails, extra_emails), (hooks, extra_hooks) = smtp.pages(), hook.pages()
    delivered_rate = alerts / (run.seconds + drain_s)
    result.figures[f"{label}: alerts fully delivered/s (until the last page)"] = round(
        delivered_rate, 1
    )
    result.figures[f"{label}: delivered/s ratio to bare Starlette"] = ratio(
        delivered_rate, starlette.rate
    )
    result.figures[f"{label}: last page after the last alert, s"] = round(drain_s, 2)
    result.figures[f"{label}: check"] = (
        f"alerts stored {alerts}, answered {run.requests - run.errors}; e-mails {emails} "
        f"(+{extra_emails} twice), webhooks {hooks} (+{extra_hooks} twice), "
        f"pages recorded sent {sent}"
    )
    once = drained and emails == hooks == alerts and extra_emails == extra_hooks == 0
    result.check(f"{label}: every page delivered once", "2 per alert", sent, once)
    r = ratio(run.rate, starlette.rate)
    result.check(f"{label} vs bare Starlette", ">= 0.06", r, r >= 0.06)


def _wait_delivered(url: str, receivers: list[Arrivals], timeout: float) -> float | None:
    """Wait until each receiver has a page per stored alert (requests still in flight when
    wrk stopped store theirs later); the moment they had, None after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alerts = scalar(url, "SELECT count(*) FROM alerts")
        if all(r.pages()[0] >= alerts for r in receivers):
            at = time.monotonic()
            time.sleep(0.5)  # a late duplicate would show now
            return at
        time.sleep(0.02)
    return None


def run_dedup(quick: bool, directory: Path, backends: list[str]) -> Result:
    """Benchmark 2: every alert joins an open incident (nobody is paged)."""
    from datetime import UTC, datetime, timedelta

    seconds = _seconds(quick)
    memory = MemoryWatch()
    memory.start()
    result = Result("dedup")
    baselines = measure_baselines(result, directory, seconds)
    baseline, starlette = baselines["pagerd-stack"], baselines["starlette"]
    for backend in backends:
        with fresh_database(backend, directory) as url:
            services = seed_services(url, 5000)
            later = datetime.now(UTC) + timedelta(days=1)
            seed_open_alerts(url, services, [later] * len(services))
            ids = [str(s.id) for s in services]
            with pagerd_running(url, directory, memory) as server:
                run = run_wrk(server.base_url, ids, directory, seconds=seconds)
            joined = scalar(url, "SELECT count(*) FROM timeline_entries WHERE type = 'joined'")
            pages = scalar(url, "SELECT count(*) FROM notifications")
        _figures(result, backend, run, baseline, starlette)
        result.figures[f"{backend}: check"] = f"joined {joined}, pages written {pages}"
        r = ratio(run.rate, baseline.rate)
        result.check(f"{backend} dedup vs baseline", ">= 0.5", r, r >= 0.5)
        result.check(f"{backend}: nobody paged", "0 pages", pages, pages == 0)
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result
