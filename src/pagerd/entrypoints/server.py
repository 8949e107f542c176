"""`pagerd serve` and `pagerd worker`: the long-running processes.

`serve` applies pending migrations, then runs the HTTP API and the web console under uvicorn
and, unless told not to, the workers in the same process. `run_worker` runs only the
workers. Any number of either may share one PostgreSQL database.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pagerd.bootstrap import Container, build_container
from pagerd.config import Settings
from pagerd.config_checks import public_url_warning

log = logging.getLogger("pagerd.server")

SIGNAL_CHECK_SECONDS = 0.2
"""How often `run_worker` looks whether SIGINT or SIGTERM arrived."""


def serve(settings: Settings, host: str, port: int, with_workers: bool = True) -> None:
    """Run pagerd until SIGINT or SIGTERM; returns after a graceful shutdown."""
    import uvicorn

    from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head
    from pagerd.entrypoints.http.app import create_app

    upgrade_to_head(settings.database_url)
    container = build_container(settings, public_url=settings.base_url(host, port))
    unreachable = public_url_warning(settings.public_url, host)
    container.operator_warnings = (unreachable,) if unreachable else ()
    app = create_app(container)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        server_header=False,
    )
    server = uvicorn.Server(config)
    freeze_startup_heap()
    with _workers(container, enabled=with_workers):
        log.info(
            "pagerd is listening",
            extra={"url": container.public_url, "workers": with_workers},
        )
        server.run()
    container.close()


def run_worker(settings: Settings, stop: threading.Event | None = None) -> None:
    """Run only the workers until SIGINT or SIGTERM (or until `stop` is set)."""
    container = build_container(settings)
    freeze_startup_heap()
    stop = stop or threading.Event()
    signalled: list[int] = []
    if threading.current_thread() is threading.main_thread():
        # The handler only appends to a list: setting an Event from a signal handler can
        # deadlock when the signal lands while the main thread holds the Event's own lock.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, _frame: signalled.append(signum))
    with _workers(container, enabled=True):
        log.info("pagerd worker is running")
        while not signalled and not stop.wait(SIGNAL_CHECK_SECONDS):
            pass
    container.close()


def freeze_startup_heap() -> None:
    """Keep the objects built at start-up out of the garbage collector's full passes.

    Modules, the app, the container and SQLAlchemy's caches live as long as the process; a
    full (generation 2) collection walked them all, a pause of 77 to 87 ms with every
    request and page waiting (the first-page benchmark's p99). Frozen, the same passes take
    about 4 ms. Called once, after start-up and before serving.
    """
    gc.collect()
    gc.freeze()


@contextmanager
def _workers(container: Container, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    from pagerd.entrypoints.workers import start_workers

    running = start_workers(container)
    try:
        yield
    finally:
        running.stop()
