"""`pagerd serve`'s worker process: started, watched, restarted when it dies, stopped gracefully.

`WorkerSupervisor` keeps one child running the engine (`pagerd worker`'s code) beside the
HTTP server. It does not know how a child is made: it is given `spawn`, which returns a
`Child` (the real one is `worker_child.WorkerChild`; tests give fakes). Its contract:

- `start()` spawns the first child on a thread of its own and returns at once; `ready` is
  set once a child has said its engine runs (`pagerd serve`'s /readyz waits for it).
- A child that exits while nobody asked is logged and spawned again after a back-off that
  doubles from `backoff_initial` to `backoff_max` seconds, and starts over from
  `backoff_initial` once a child has run `stable_after` seconds. Its claims are not lost:
  worker liveness sees its pid gone and returns them at once.
- `stop(timeout)` spawns nothing more, asks the child to stop (SIGTERM: work in flight
  finishes and is recorded, the rest is released), and kills it if it has not ended within
  `timeout` seconds. Never two children at once, and none after `stop`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("pagerd.server")


class Child(Protocol):
    """A running worker process, as the supervisor sees it."""

    @property
    def pid(self) -> int: ...

    def wait_ready(self) -> bool:
        """Block until the child says its engine runs (True) or it exits first (False)."""
        ...

    def wait_exit(self) -> int:
        """Block until the child has exited and been reaped; its exit code."""
        ...

    def terminate(self) -> None:
        """Ask for a graceful stop (SIGTERM); returns at once. Harmless once exited."""
        ...

    def kill(self) -> None:
        """Kill at once (SIGKILL). Harmless once exited."""
        ...


class WorkerSupervisor:
    """Runs one child at a time from `spawn`, until `stop()` (see the module docstring)."""

    def __init__(
        self,
        spawn: Callable[[], Child],
        *,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        stable_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        pause: Callable[[float], bool] | None = None,
    ) -> None:
        """`pause(seconds)` waits out a back-off and returns True when stopping cut it short
        (by default, a wait on the stop request; tests give one that returns at once)."""
        if not 0 < backoff_initial <= backoff_max:
            raise ValueError("back-off must satisfy 0 < initial <= max")
        self._spawn = spawn
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._stable_after = stable_after
        self._clock = clock
        self._lock = threading.Lock()  # orders spawning against stopping
        self._stopping = threading.Event()
        self._pause = pause or self._stopping.wait
        self._child: Child | None = None
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()
        self.spawned = 0  # children started so far; for tests and diagnostics
        self.last_exit_code: int | None = None

    def start(self) -> None:
        """Spawn the first child in the background; returns at once."""
        if self._thread is not None:
            raise RuntimeError("the supervisor was already started")
        self._thread = threading.Thread(target=self._run, name="pagerd-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> bool:
        """Stop the child gracefully within `timeout` seconds, then kill it; True when it
        ended by itself (exit code 0, or SIGTERM's own when it came during its start-up), or
        none was running."""
        with self._lock:
            self._stopping.set()
            child = self._child
        if child is not None:
            child.terminate()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive() and child is not None:
            log.error(
                "the worker process did not stop in time; killing it", extra={"pid": child.pid}
            )
            child.kill()
            self._thread.join(timeout)
            return False
        # Killed by the SIGTERM itself: it was still starting, before it had any work.
        return not self._thread.is_alive() and self.last_exit_code in (None, 0, -signal.SIGTERM)

    def _run(self) -> None:
        delay = self._backoff_initial
        while True:
            with self._lock:
                if self._stopping.is_set():
                    return
                child = self._spawn_or_none()
                self._child = child
            if child is not None:
                started = self._clock()
                if child.wait_ready():
                    if not self.ready.is_set():
                        log.info("the worker process is running", extra={"pid": child.pid})
                    self.ready.set()
                code = child.wait_exit()
                self.last_exit_code = code
                if self._stopping.is_set():
                    return
                if self._clock() - started >= self._stable_after:
                    delay = self._backoff_initial
                log.error(
                    "the worker process exited; starting another",
                    extra={"pid": child.pid, "exit_code": code, "retry_in_seconds": delay},
                )
            if self._pause(delay) or self._stopping.is_set():
                return
            delay = min(delay * 2, self._backoff_max)

    def _spawn_or_none(self) -> Child | None:
        try:
            child = self._spawn()
        except Exception:
            log.exception("could not start the worker process; retrying")
            return None
        self.spawned += 1
        return child
