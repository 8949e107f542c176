"""The worker process of `pagerd serve`: how it is spawned, and how it talks to its parent.

The child is `python -m pagerd.entrypoints.workers --ring-fd R --status-fd S`: `pagerd worker`'s
code, on the same settings (it inherits the environment and the working directory), with two
pipes from its parent:

- R, the ring pipe (parent to child): a first byte once the parent's migrations are done (the
  child is spawned before them, so that its imports overlap with them), then rings when the
  parent committed due work, end of file when the parent is gone (`adapters.process_wakeup`).
- S, the status pipe (child to parent): the child writes one byte once its engine runs; end of
  file when it exits, however it died. The parent's supervisor waits on it, then reaps the
  child at once, so that worker liveness finds its pid gone (not a zombie) and returns its
  claims.

With `--metrics-file`, the child writes its metric counts there every
METRICS_SNAPSHOT_SECONDS (`MetricsSnapshots`); the parent's /metrics adds them to its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

READY = b"R"
METRICS_SNAPSHOT_SECONDS = 2.0
"""How often the worker process writes its metric counts for its parent's /metrics."""

log = logging.getLogger("pagerd.worker")


class WorkerChild:
    """A spawned worker process (implements supervisor.Child)."""

    def __init__(self, process: subprocess.Popen[bytes], status_fd: int) -> None:
        self._process = process
        self._status_fd: int | None = status_fd

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait_ready(self) -> bool:
        return self._read_status() == READY

    def wait_exit(self) -> int:
        while self._read_status():
            pass  # anything after READY is ignored; end of file means the child is gone
        if self._status_fd is not None:
            os.close(self._status_fd)
            self._status_fd = None
        return self._process.wait()

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        # Popen.send_signal does nothing once the child is reaped (its pid may be reused).
        self._process.send_signal(signum)

    def _read_status(self) -> bytes:
        if self._status_fd is None:
            return b""
        try:
            return os.read(self._status_fd, 1)
        except OSError:
            return b""


def spawn_worker_child(
    ring_fd: int, log_level: str, metrics_file: Path | None = None
) -> WorkerChild:
    """Start the worker process with `ring_fd` as its ring pipe; returns at once."""
    status_read, status_write = os.pipe()
    args = [
        sys.executable,
        "-m",
        "pagerd.entrypoints.workers",
        "--ring-fd",
        str(ring_fd),
        "--status-fd",
        str(status_write),
        "--log-level",
        log_level,
        *(["--metrics-file", str(metrics_file)] if metrics_file is not None else []),
    ]
    try:
        process = subprocess.Popen(args, pass_fds=(ring_fd, status_write))  # noqa: S603 -- this interpreter, fixed arguments
    except BaseException:
        os.close(status_read)
        raise
    finally:
        os.close(status_write)  # the child's copy is the only one left: its exit ends the pipe
    return WorkerChild(process, status_read)


def wait_for_go(ring_fd: int) -> bool:
    """In the child: block until the parent's first byte on the ring pipe (its schema is at
    head); False when the pipe ended first (the parent is gone)."""
    try:
        return os.read(ring_fd, 1) != b""
    except OSError:
        return False


def report_ready(status_fd: int) -> None:
    """In the child: tell the parent the engine runs. The descriptor stays open until exit."""
    # An error means the parent is gone; the ring pipe's end of file then stops this process.
    with contextlib.suppress(OSError):
        os.write(status_fd, READY)


class MetricsSnapshots:
    """In the child: writes `counts()` to `path` every `interval` seconds on a daemon thread,
    by a rename, so that the parent never reads half a file."""

    def __init__(
        self, path: Path, counts: Callable[[], str], interval: float = METRICS_SNAPSHOT_SECONDS
    ) -> None:
        self._path = path
        self._counts = counts
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pagerd-metrics", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write a last snapshot and end the thread."""
        self._stop.set()
        self._thread.join(self._interval * 2)
        self.write()

    def write(self) -> None:
        partial = self._path.with_name(f"{self._path.name}.{os.getpid()}.partial")
        try:
            partial.write_text(self._counts())
            partial.replace(self._path)
        except OSError as exc:  # the parent removed the directory: it is stopping
            log.debug("metrics snapshot not written", extra={"error": str(exc)})

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.write()


def read_metrics_file(path: Path) -> str:
    """In the parent: the child's last snapshot, or "" when there is none (yet)."""
    try:
        return path.read_text()
    except OSError:
        return ""
