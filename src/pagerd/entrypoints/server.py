"""`pagerd serve` and `pagerd worker`: the long-running processes.

`serve` applies pending migrations, then runs the HTTP API and the web console under uvicorn
and, unless told not to, the engine (`pagerd.entrypoints.workers`) in the same process, as
`pagerd worker` does alone. Any number of either may share one PostgreSQL database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pagerd.bootstrap import Container, build_container
from pagerd.config import Settings
from pagerd.config_checks import public_url_warning
from pagerd.entrypoints.heap import freeze_startup_heap
from pagerd.entrypoints.workers import start_workers

log = logging.getLogger("pagerd.server")


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


@contextmanager
def _workers(container: Container, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    running = start_workers(container)
    try:
        yield
    finally:
        running.stop()
