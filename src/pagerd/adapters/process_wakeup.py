"""A wake-up across processes through a pipe: `pagerd serve` rings its worker process.

On SQLite there is no NOTIFY: a worker process that is not rung finds new work only when it
polls (at most a second). When `pagerd serve` runs its workers in a child process, it keeps
the write end of a pipe and the child the read end:

- `PipeRinger` (the parent) writes one byte per ring, never blocking: with the pipe full or
  nobody reading, the ring is dropped. A lost ring costs the poll interval, never a page, and
  never delays or fails the request whose commit rang.
- `ParentWatch` (the child) reads the pipe on a daemon thread and rings the child's local
  wakeup for each burst of bytes. End of file means the parent is gone (every write end is
  closed when it exits, however it died): the watch calls `on_parent_gone`, and the child
  stops instead of living on as an orphan.

Only the parent holds the write end (a pipe's ends are not inherited unless passed
explicitly), so end of file is a reliable sign of the parent's death.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from pagerd.service_layer.ports import WorkSignal

log = logging.getLogger("pagerd.wakeup")

_RING = b"\x01"
_READ_SIZE = 4096  # rings that piled up while the child was busy are read (and rung) at once


def ring_pipe() -> tuple[int, int]:
    """A new pipe `(read_fd, write_fd)` whose write end never blocks.

    Neither end is inheritable: the parent passes the read end to its child explicitly.
    """
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    return read_fd, write_fd


class PipeRinger:
    """Implements the WorkSignal port by writing one byte to a pipe; thread-safe, never blocks.

    `close()` closes the write end; rings after it are ignored. The lock keeps a ring from
    writing to a descriptor number that `close()` has just freed (and the process reused).
    """

    def __init__(self, write_fd: int) -> None:
        self._fd: int | None = write_fd
        self._lock = threading.Lock()
        self.dropped = 0  # rings lost to a full pipe or a closed reader; for tests and diagnostics

    def notify(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            try:
                os.write(self._fd, _RING)
            except OSError:  # full (BlockingIOError), no reader (BrokenPipeError): dropped
                self.dropped += 1

    def close(self) -> None:
        """Close the write end (the child, if still running, reads end of file)."""
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


class ParentWatch:
    """A daemon thread reading the ring pipe: a ring rings `wakeup`; end of file (the parent
    exited) calls `on_parent_gone` once, then the thread ends."""

    def __init__(
        self, read_fd: int, wakeup: WorkSignal, on_parent_gone: Callable[[], None]
    ) -> None:
        self._fd = read_fd
        self._wakeup = wakeup
        self._on_parent_gone = on_parent_gone
        self._thread: threading.Thread | None = None
        self.rings = 0  # reads that rang the wakeup; for tests and diagnostics

    def start(self) -> None:
        """Start watching in the background; returns at once."""
        if self._thread is not None:
            raise RuntimeError("the watch was already started")
        self._thread = threading.Thread(target=self._run, name="pagerd-parent-watch", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (after end of file); True when it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            try:
                data = os.read(self._fd, _READ_SIZE)
            except OSError as exc:  # the descriptor is unusable: as good as a parent gone
                log.warning("the pipe from pagerd serve failed", extra={"error": str(exc)})
                data = b""
            if not data:
                log.warning("pagerd serve, this worker process's parent, is gone; stopping")
                self._on_parent_gone()
                return
            self.rings += 1
            self._wakeup.notify()
