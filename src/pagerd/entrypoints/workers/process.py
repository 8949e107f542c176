"""Workers in a running process: start them from a Container, stop them gracefully.

`start_workers` is what `pagerd serve` and `pagerd worker` call; on PostgreSQL it also starts
the listener that wakes this process's workers when another process commits due work.
"""

from __future__ import annotations

import logging
import threading

from pagerd.adapters.wakeup import PostgresWakeupListener, ThreadWakeup, is_postgres_url
from pagerd.bootstrap import Container
from pagerd.config import load_settings
from pagerd.entrypoints.workers.options import WorkerOptions
from pagerd.entrypoints.workers.runner import WorkerRunner

log = logging.getLogger("pagerd.worker")


class RunningWorkers:
    """A started worker and, on PostgreSQL, its wake-up listener."""

    def __init__(self, runner: WorkerRunner, listener: PostgresWakeupListener | None) -> None:
        self.runner = runner
        self.listener = listener

    def stop(self, timeout: float = 10.0) -> bool:
        """Graceful stop (see WorkerRunner.stop); True when everything ended in time."""
        ended = self.runner.stop(timeout)
        if self.listener is not None:
            ended = self.listener.stop() and ended
        return ended


def start_workers(
    container: Container, options: WorkerOptions | None = None, worker_id: str | None = None
) -> RunningWorkers:
    """Start a worker on `container`; returns at once. Call `stop()` on the result to end it."""
    listener = None
    url = container.settings.database_url
    if is_postgres_url(url) and isinstance(container.wakeup, ThreadWakeup):
        listener = PostgresWakeupListener(url, container.wakeup)
        listener.start()
    runner = WorkerRunner(container, options, worker_id)
    runner.start()
    return RunningWorkers(runner, listener)


def run_worker(
    container: Container, stop_event: threading.Event, options: WorkerOptions | None = None
) -> None:
    """Run a worker on `container` until `stop_event` is set, then stop it gracefully."""
    running = start_workers(container, options)
    try:
        stop_event.wait()
    finally:
        running.stop()


def main() -> None:
    """`python -m pagerd.entrypoints.workers`: the workers alone, on PAGERD_DATABASE_URL,
    until SIGINT or SIGTERM. The schema must be at head (`pagerd migrate`)."""
    from pagerd.adapters.logging import configure_logging
    from pagerd.entrypoints.server import run_worker as run_worker_process

    settings = load_settings()
    configure_logging(settings.effective_log_format())
    run_worker_process(settings)
