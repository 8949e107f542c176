"""Commands that run pagerd: `serve`, `worker`, `migrate`, `demo`."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Annotated, cast

import typer
from dotenv import dotenv_values

from pagerd.adapters.logging import configure_logging
from pagerd.config import Settings, load_settings
from pagerd.config_checks import public_url_warning, unknown_variable_warnings
from pagerd.entrypoints.cli.database import require_schema_at_head
from pagerd.entrypoints.cli.errors import CliError

if TYPE_CHECKING:
    from pagerd.entrypoints.server import WorkersMode

log = logging.getLogger("pagerd.server")
_LEVELS = ("debug", "info", "warning", "error")
_WORKERS_MODES = ("process", "thread", "off")
LogLevel = Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")]


def _start_logging(settings: Settings, level: str) -> None:
    if level.lower() not in _LEVELS:
        raise typer.BadParameter("must be debug, info, warning or error", param_hint="--log-level")
    configure_logging(settings.effective_log_format(), level)


def _warn_about_configuration(public_url_problem: str | None) -> None:
    """Log, once at start-up, what in the configuration is probably a mistake."""
    from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    variables = {**from_file, **os.environ}
    for warning in unknown_variable_warnings(variables, Settings.model_fields):
        log.warning(warning, extra={"event": "config.unknown_variable"})
    if public_url_problem is not None:
        log.warning(public_url_problem, extra={"event": "config.public_url_unreachable"})


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8080,
    workers: Annotated[
        str | None,
        typer.Option(
            "--workers",
            help="Where the workers run: process (a child process, both cores), thread (in "
            "this process) or off. Default: PAGERD_WORKERS.",
        ),
    ] = None,
    no_workers: Annotated[
        bool,
        typer.Option(
            "--no-workers", help="Serve HTTP only (`--workers off`); run `pagerd worker` elsewhere."
        ),
    ] = False,
    log_level: LogLevel = "info",
) -> None:
    """Run the API, the web console and the workers; applies pending migrations first."""
    from pagerd.entrypoints.server import serve as run_server

    mode = _workers_mode(workers, no_workers)
    settings = load_settings()
    _start_logging(settings, log_level)
    _warn_about_configuration(public_url_warning(settings.public_url, host))
    _return_after_graceful_shutdown()
    run_server(settings, host, port, workers=mode, log_level=log_level.lower())


def _workers_mode(workers: str | None, no_workers: bool) -> WorkersMode | None:
    """`--workers` and `--no-workers` as a mode; None leaves it to PAGERD_WORKERS."""
    if workers is not None and workers not in _WORKERS_MODES:
        raise typer.BadParameter("must be process, thread or off", param_hint="--workers")
    if no_workers:
        if workers not in (None, "off"):
            raise typer.BadParameter(
                f"--no-workers contradicts --workers {workers}", param_hint="--no-workers"
            )
        return "off"
    return cast("WorkersMode | None", workers)


def _return_after_graceful_shutdown() -> None:
    # uvicorn shuts down gracefully on SIGINT or SIGTERM, then raises the signal again with
    # the handler installed before it. Python's defaults would kill the process (or raise
    # KeyboardInterrupt) before the workers stop and give back their leases. SystemExit(0)
    # unwinds through `serve`, which stops the workers on the way out; a signal that comes
    # before uvicorn listens stops the start-up the same way.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_cleanly)


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def worker(log_level: LogLevel = "info") -> None:
    """Run only the workers (the engine: timers, deliveries, retention) until SIGINT or SIGTERM."""
    from pagerd.entrypoints.workers import run_worker

    settings = load_settings()
    require_schema_at_head(settings)
    _start_logging(settings, log_level)
    _warn_about_configuration(public_url_warning(settings.public_url, "", worker_only=True))
    run_worker(settings)


def migrate() -> None:
    """Bring the database schema to the version this pagerd needs (safe to run again)."""
    from pagerd.adapters.sqlalchemy.migrate import current_revision, upgrade_to_head

    settings = load_settings()
    upgrade_to_head(settings.database_url)
    revision = current_revision(settings.database_url)
    typer.echo(f"The database schema is up to date (revision {revision}).")


def demo() -> None:
    """Play a scripted incident on an in-memory pagerd and print what happens."""
    # Imported by name: the demo is an optional part of the package, and the CLI must load
    # (and type-check) without it.
    try:
        demo_module = importlib.import_module("pagerd.entrypoints.demo")
    except ModuleNotFoundError as exc:
        raise CliError("this build of pagerd has no demo") from exc
    demo_module.run_demo(sys.stdout)


def register(app: typer.Typer) -> None:
    """Add these commands to the `pagerd` application."""
    app.command()(serve)
    app.command()(worker)
    app.command()(migrate)
    app.command()(demo)
