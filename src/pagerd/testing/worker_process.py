"""A worker process for tests: `python -m pagerd.testing.worker_process`.

The real worker runtime (`pagerd.entrypoints.workers.run_worker`) on PAGERD_DATABASE_URL,
except that every page is POSTed to a test's PageReceiver instead of a real channel. Only
tests set its variables:

- `PAGERD_TEST_RECEIVER_URL`: where pages go (required);
- `PAGERD_TEST_LEASE_SECONDS`: the dispatch lease (default: the production lease);
- `PAGERD_TEST_WORKER_ID`: the worker id (default: hostname-pid-random).

It prints `ready <worker id>` once its workers run, and stops gracefully on SIGTERM or
SIGINT (exit status 0). The schema must already be at head.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import timedelta

from pagerd.adapters.clock import SystemClock
from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine_for
from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.bootstrap import Container
from pagerd.config import load_settings
from pagerd.domain.channels import Channel
from pagerd.entrypoints.workers import WorkerOptions, new_worker_id, start_workers
from pagerd.service_layer.ports import UnitOfWork
from pagerd.testing.page_receiver import PostingSender


def main() -> None:
    """Run until SIGTERM or SIGINT."""
    settings = load_settings()
    worker_id = os.environ.get("PAGERD_TEST_WORKER_ID") or new_worker_id()
    sender = PostingSender(os.environ["PAGERD_TEST_RECEIVER_URL"], worker_id)
    lease = os.environ.get("PAGERD_TEST_LEASE_SECONDS")
    options = WorkerOptions(lease=timedelta(seconds=float(lease))) if lease else WorkerOptions()
    engine = create_engine_for(settings.database_url)
    wakeup = ThreadWakeup()

    def uow_factory() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, wakeup)

    container = Container(
        settings=settings,
        uow_factory=uow_factory,
        clock=SystemClock(),
        senders=dict.fromkeys(Channel, sender),
        wakeup=wakeup,
        close=engine.dispose,
    )
    signalled: list[int] = []
    # Only record the signal: setting an Event from a handler can deadlock on its own lock.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, _frame: signalled.append(signum))
    running = start_workers(container, options, worker_id)
    if running.listener is not None:
        running.listener.wait_listening(10)  # "ready" then means: woken by other processes
    print(f"ready {worker_id}", flush=True)
    while not signalled:
        time.sleep(0.2)
    clean = running.stop(timeout=10)
    container.close()
    sys.exit(0 if clean else 1)


if __name__ == "__main__":
    main()
