"""The worker process of `pagerd serve`: how it is spawned, and how it talks to its parent.

The child is `python -m pagerd.entrypoints.workers --ring-fd R --status-fd S`: `pagerd worker`'s
code, on the same settings (it inherits the environment and the working directory), with two
pipes from its parent:

- R, the ring pipe (parent to child): rings when the parent committed due work, end of file
  when the parent is gone (`adapters.process_wakeup`).
- S, the status pipe (child to parent): the child writes one byte once its engine runs; end of
  file when it exits, however it died. The parent's supervisor waits on it, then reaps the
  child at once, so that worker liveness finds its pid gone (not a zombie) and returns its
  claims.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

READY = b"R"


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


def spawn_worker_child(ring_fd: int, log_level: str, extra_args: Sequence[str] = ()) -> WorkerChild:
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
        *extra_args,
    ]
    try:
        process = subprocess.Popen(args, pass_fds=(ring_fd, status_write))  # noqa: S603 -- this interpreter, fixed arguments
    except BaseException:
        os.close(status_read)
        raise
    finally:
        os.close(status_write)  # the child's copy is the only one left: its exit ends the pipe
    return WorkerChild(process, status_read)


def report_ready(status_fd: int) -> None:
    """In the child: tell the parent the engine runs. The descriptor stays open until exit."""
    # An error means the parent is gone; the ring pipe's end of file then stops this process.
    with contextlib.suppress(OSError):
        os.write(status_fd, READY)
