"""`pagerd serve` and `pagerd worker`: the long-running processes.

`serve` applies pending migrations, then runs the HTTP API and the web console under uvicorn
and, unless told not to, the engine (`pagerd.entrypoints.workers`), as `pagerd worker` does
alone. PAGERD_WORKERS (or `--workers`) says where the engine runs:

- `process`: in a child process supervised by this one (`workers.supervisor`): both cores
  serve, the child is restarted when it dies and stops when this process is gone. On
  SQLite this process rings the child through a pipe when it commits due work
  (`adapters.process_wakeup`); on PostgreSQL NOTIFY already does. /readyz answers 200 once
  the child's engine runs; /metrics adds the child's counts (written every few seconds)
  to this process's.
- `thread`: on threads of this process (`start_workers`), sharing its core with HTTP.
- `off`: HTTP only.

Any number of `pagerd serve` and `pagerd worker` may share one PostgreSQL database.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pagerd.adapters.metrics import prometheus_observer
from pagerd.adapters.process_wakeup import PipeRinger, ring_pipe
from pagerd.adapters.wakeup import ThreadWakeup, is_postgres_url
from pagerd.bootstrap import Container, build_container
from pagerd.config import Settings
from pagerd.config_checks import public_url_warning
from pagerd.entrypoints.heap import collection_paused, freeze_startup_heap
from pagerd.entrypoints.workers import start_workers
from pagerd.entrypoints.workers.engine import DEFAULT_STOP_TIMEOUT
from pagerd.entrypoints.workers.supervisor import WorkerSupervisor
from pagerd.entrypoints.workers.worker_child import (
    WorkerChild,
    read_metrics_file,
    spawn_worker_child,
)

log = logging.getLogger("pagerd.server")

WorkersMode = Literal["process", "thread", "off"]

CHILD_STOP_MARGIN = 5.0
"""Seconds the worker process gets beyond its engine's graceful stop before it is killed."""


def serve(
    settings: Settings,
    host: str,
    port: int,
    with_workers: bool = True,
    workers: WorkersMode | None = None,
    log_level: str = "info",
) -> None:
    """Run pagerd until SIGINT or SIGTERM; returns after a graceful shutdown.

    `workers` (default: PAGERD_WORKERS, `auto` resolved) says where the engine runs;
    `with_workers=False` is `workers="off"`. A worker process reads the settings itself from
    the environment and the working directory it inherits, and logs at `log_level`.
    """
    import uvicorn

    from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head

    mode: WorkersMode = "off" if not with_workers else workers or settings.effective_workers()
    # The worker process starts first: its imports overlap with the migrations and the
    # wiring here; it waits for `schema_ready` before touching the database.
    child = WorkerProcess(log_level) if mode == "process" else None
    if child is not None:
        child.start()
    try:
        upgrade_to_head(settings.database_url)
        if child is not None:
            child.schema_ready()
        container = build_container(settings, public_url=settings.base_url(host, port))
        unreachable = public_url_warning(settings.public_url, host)
        container.operator_warnings = (unreachable,) if unreachable else ()
        # The engine starts before the HTTP app is built: the app's modules and routes are
        # most of the start-up, and the timers that fell due while pagerd was down fire
        # meanwhile.
        with _workers(container, mode, child):
            with collection_paused():
                from pagerd.entrypoints.http.app import create_app

                app = create_app(container)
                server = uvicorn.Server(http_server_config(app, settings, host, port))
            freeze_startup_heap()
            log.info("pagerd is listening", extra={"url": container.public_url, "workers": mode})
            server.run()
    finally:
        if child is not None:
            child.stop()
    container.close()


def http_server_config(app: Any, settings: Settings, host: str, port: int) -> Any:
    """uvicorn's configuration for pagerd: forwarded headers left to pagerd's own
    middleware, request headers within PAGERD_HTTP_HEADER_TIMEOUT_SECONDS, at most
    PAGERD_HTTP_MAX_CONNECTIONS connections at once (503 beyond).

    uvicorn's `standard` extras are used when installed (pagerd's lock file pins them):
    httptools parses HTTP (`slow_clients.http_protocol`) and uvloop runs the event loop
    (uvicorn's `loop="auto"`); without them, h11 and asyncio's own loop.
    """
    import uvicorn

    from pagerd.entrypoints.http.slow_clients import http_protocol

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        server_header=False,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; pagerd's own middleware
        # believes it only from PAGERD_TRUSTED_PROXIES.
        proxy_headers=False,
        http=http_protocol(settings.http_header_timeout_seconds),
        loop="auto",
        limit_concurrency=settings.http_max_connections,
    )


@contextmanager
def _workers(
    container: Container, mode: WorkersMode, child: WorkerProcess | None
) -> Iterator[None]:
    if mode == "thread":
        running = start_workers(container)
        try:
            yield
        finally:
            running.stop()
        return
    if child is not None:
        child.attach(container)
    yield


class WorkerProcess:
    """The engine in a supervised child process (`process` mode), seen from `pagerd serve`.

    `start()` spawns the child at once; it imports pagerd meanwhile, then waits for its first
    byte on the ring pipe, which `schema_ready()` writes once the migrations are done (a
    restarted child gets it as it is spawned). `attach(container)` wires the serving side:
    on SQLite the container's wakeup, rung by this process's commits of due work, also rings
    the child; /readyz waits for the child's engine, as it waits for the threads' in `thread`
    mode (those start before uvicorn listens); /metrics adds the child's counts. `stop()`
    stops the child gracefully (idempotent).
    """

    def __init__(self, log_level: str) -> None:
        self._log_level = log_level
        self._ring_read, ring_write = ring_pipe()
        self._ringer = PipeRinger(ring_write)
        self._scratch = Path(tempfile.mkdtemp(prefix="pagerd-worker-"))
        self._metrics_file = self._scratch / "metrics.prom"
        self._migrated = threading.Event()
        self._forwarded: ThreadWakeup | None = None
        self._supervisor = WorkerSupervisor(self._spawn)
        self._stopped = False

    def start(self) -> None:
        self._supervisor.start()

    def schema_ready(self) -> None:
        """Let the child go on: the schema is at head."""
        self._migrated.set()
        self._ringer.notify()

    def attach(self, container: Container) -> None:
        local = container.wakeup if isinstance(container.wakeup, ThreadWakeup) else None
        if local is not None and not is_postgres_url(container.settings.database_url):
            local.forward_to(self._ringer)  # on PostgreSQL, NOTIFY rings the child
            self._forwarded = local
        observer = prometheus_observer(container.observer)
        if observer is not None:
            observer.merge_from(lambda: read_metrics_file(self._metrics_file))
        database_ready = container.is_ready
        supervisor = self._supervisor
        container.is_ready = lambda: supervisor.ready.is_set() and database_ready()
        container.not_ready_reason = lambda: (
            "the database does not answer"
            if supervisor.ready.is_set()
            else "the worker process is not running yet"
        )

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        clean = self._supervisor.stop(DEFAULT_STOP_TIMEOUT + CHILD_STOP_MARGIN)
        log.info("the worker process stopped", extra={"clean": clean})
        if self._forwarded is not None:
            self._forwarded.unsubscribe(self._ringer)
        self._ringer.close()
        os.close(self._ring_read)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _spawn(self) -> WorkerChild:
        child = spawn_worker_child(self._ring_read, self._log_level, self._metrics_file)
        if self._migrated.is_set():
            self._ringer.notify()  # a restart: the schema was ready long ago
        return child
