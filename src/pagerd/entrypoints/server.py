"""`pagerd serve` and `pagerd worker`: the long-running processes.

`serve` applies pending migrations, then runs the HTTP API and the web console under uvicorn
and, unless told not to, the engine (`pagerd.entrypoints.workers`) in the same process, as
`pagerd worker` does alone. Any number of either may share one PostgreSQL database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pagerd.bootstrap import Container, build_container
from pagerd.config import Settings
from pagerd.config_checks import public_url_warning
from pagerd.entrypoints.heap import collection_paused, freeze_startup_heap
from pagerd.entrypoints.workers import start_workers

log = logging.getLogger("pagerd.server")


def serve(settings: Settings, host: str, port: int, with_workers: bool = True) -> None:
    """Run pagerd until SIGINT or SIGTERM; returns after a graceful shutdown."""
    import uvicorn

    from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head

    upgrade_to_head(settings.database_url)
    container = build_container(settings, public_url=settings.base_url(host, port))
    unreachable = public_url_warning(settings.public_url, host)
    container.operator_warnings = (unreachable,) if unreachable else ()
    # The engine starts before the HTTP app is built: the app's modules and routes are most
    # of the start-up, and the timers that fell due while pagerd was down fire meanwhile.
    with _workers(container, enabled=with_workers):
        with collection_paused():
            from pagerd.entrypoints.http.app import create_app

            app = create_app(container)
            server = uvicorn.Server(http_server_config(app, settings, host, port))
        freeze_startup_heap()
        log.info(
            "pagerd is listening",
            extra={"url": container.public_url, "workers": with_workers},
        )
        server.run()
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
def _workers(container: Container, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    running = start_workers(container)
    try:
        yield
    finally:
        running.stop()
