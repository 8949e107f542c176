"""The engine in a running process: start it from a Container, stop it gracefully.

`start_workers` is what `pagerd serve` and `pagerd worker` call; on PostgreSQL it also starts
the listener that wakes this process's duties when another process commits due work.
`run_worker` is `pagerd worker`: the engine alone, until a signal; and the worker process of
`pagerd serve` (`PAGERD_WORKERS=process`), which also stops when its parent is gone.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pagerd.adapters.metrics import prometheus_observer
from pagerd.adapters.process_wakeup import ParentWatch
from pagerd.adapters.wakeup import PostgresWakeupListener, ThreadWakeup, is_postgres_url
from pagerd.bootstrap import Container, build_container
from pagerd.config import Settings, load_settings
from pagerd.entrypoints.heap import freeze_startup_heap
from pagerd.entrypoints.workers.engine import WorkerEngine
from pagerd.entrypoints.workers.options import WorkerOptions
from pagerd.entrypoints.workers.worker_child import MetricsSnapshots, report_ready, wait_for_go

log = logging.getLogger("pagerd.worker")

SIGNAL_CHECK_SECONDS = 0.2
"""How often `run_worker` looks whether SIGINT or SIGTERM arrived."""


class RunningWorkers:
    """A started engine and, on PostgreSQL, its wake-up listener."""

    def __init__(self, engine: WorkerEngine, listener: PostgresWakeupListener | None) -> None:
        self.engine = engine
        self.listener = listener

    def stop(self, timeout: float = 10.0) -> bool:
        """Graceful stop (see WorkerEngine.stop); True when everything ended in time."""
        ended = self.engine.stop(timeout)
        if self.listener is not None:
            ended = self.listener.stop() and ended
        return ended


def start_workers(
    container: Container, options: WorkerOptions | None = None, worker_id: str | None = None
) -> RunningWorkers:
    """Start the engine on `container`; returns at once. Call `stop()` on the result to end
    it."""
    listener = None
    url = container.settings.database_url
    if is_postgres_url(url) and isinstance(container.wakeup, ThreadWakeup):
        listener = PostgresWakeupListener(url, container.wakeup)
        listener.start()
    engine = WorkerEngine(container, options, worker_id)
    engine.start()
    return RunningWorkers(engine, listener)


@dataclass(frozen=True)
class ParentPipes:
    """The pipes of a worker process spawned by `pagerd serve` (see `worker_child`)."""

    ring_fd: int
    status_fd: int
    metrics_file: Path | None = None


def run_worker(
    settings: Settings,
    stop: threading.Event | None = None,
    parent: ParentPipes | None = None,
) -> None:
    """`pagerd worker`: run the engine alone until SIGINT or SIGTERM (or until `stop` is
    set), then stop it gracefully. The schema must be at head (`pagerd migrate`).

    With `parent` (the worker process of `pagerd serve`), it first waits for the parent's go
    (the schema at head; it returns at once if the parent is gone); then rings from the
    parent wake the duties, the parent hears when the engine runs, and the engine stops
    gracefully when the parent is gone (no orphan). SIGINT is then ignored: a Ctrl-C in a
    terminal reaches the whole process group, and the parent stops this process itself once
    HTTP has drained.
    """
    if parent is not None and not wait_for_go(parent.ring_fd):
        return  # the parent died before its migrations were done
    container = build_container(settings)
    freeze_startup_heap()
    stop = stop or threading.Event()
    signalled: list[int] = []
    if threading.current_thread() is threading.main_thread():
        # The handler only appends to a list: setting an Event from a signal handler can
        # deadlock when the signal lands while the main thread holds the Event's own lock.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, _frame: signalled.append(signum))
        if parent is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    running = start_workers(container)
    snapshots = _metrics_snapshots(container, parent)
    try:
        if parent is not None:
            ParentWatch(parent.ring_fd, container.wakeup, on_parent_gone=stop.set).start()
            report_ready(parent.status_fd)
        log.info("pagerd worker is running")
        while not signalled and not stop.wait(SIGNAL_CHECK_SECONDS):
            pass
    finally:
        running.stop()
        if snapshots is not None:
            snapshots.stop()
        container.close()


def _metrics_snapshots(container: Container, parent: ParentPipes | None) -> MetricsSnapshots | None:
    observer = prometheus_observer(container.observer)
    if parent is None or parent.metrics_file is None or observer is None:
        return None
    snapshots = MetricsSnapshots(parent.metrics_file, observer.counts_text)
    snapshots.start()
    return snapshots


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m pagerd.entrypoints.workers`: `pagerd worker` on PAGERD_DATABASE_URL.

    `--ring-fd` and `--status-fd` are given by `pagerd serve` to its worker process."""
    from pagerd.adapters.logging import configure_logging

    parser = argparse.ArgumentParser(prog="python -m pagerd.entrypoints.workers")
    parser.add_argument("--ring-fd", type=int)
    parser.add_argument("--status-fd", type=int)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--metrics-file", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(settings.effective_log_format(), args.log_level)
    parent = None
    if args.ring_fd is not None and args.status_fd is not None:
        parent = ParentPipes(args.ring_fd, args.status_fd, args.metrics_file)
    run_worker(settings, parent=parent)
