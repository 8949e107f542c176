"""The loop every duty of the engine runs on its own thread: cycle, wait, again; never die.

A duty exposes one cycle and the time until its next due work. The loop runs cycles back to
back while the duty says more is due (pausing as its cadence asks), then waits for whichever
comes first: a ring of the duty's wake-up, the next due time, or the duty's poll interval
(the worker's, at most a second, unless the cadence says otherwise). A cycle that raises (the
database is down, a lost race beyond retries) is logged and tried again after a backoff that
doubles up to a cap; the thread only ends when asked to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.entrypoints.workers.duty import Cadence, Duty
from pagerd.entrypoints.workers.options import WorkerOptions

log = logging.getLogger("pagerd.worker")

WaitFn = Callable[[ThreadWakeup, float], bool]
"""How a loop waits: block on the wakeup for at most the given seconds; True when rung.
Injectable so that tests can observe or shorten waits."""


def wait_for_ring(wakeup: ThreadWakeup, timeout: float) -> bool:
    """The production WaitFn."""
    return wakeup.wait(timeout)


class Backoff:
    """Waits after consecutive failures: `initial` doubling up to `cap` seconds."""

    def __init__(self, initial: float, cap: float) -> None:
        self._initial = initial
        self._cap = cap
        self.failures = 0

    def failed(self) -> float:
        """Count a failure; return how long to wait before trying again."""
        self.failures += 1
        return float(min(self._cap, self._initial * 2 ** (self.failures - 1)))

    def succeeded(self) -> None:
        """Start over after a success."""
        self.failures = 0


class CycleLoop:
    """Runs a duty's cycles on a daemon thread until `request_stop()`."""

    def __init__(
        self,
        name: str,
        duty: Duty,
        wakeup: ThreadWakeup,
        options: WorkerOptions,
        wait: WaitFn = wait_for_ring,
        on_exit: Callable[[], None] | None = None,
        cadence: Cadence | None = None,
    ) -> None:
        """`on_exit` runs on the loop's thread once it ends (a duty's graceful finish)."""
        self.name = name
        self._duty = duty
        self._wakeup = wakeup
        self._options = options
        self._wait = wait
        self._on_exit = on_exit
        self._cadence = cadence or Cadence()
        self._settling = ThreadWakeup()  # rung only to stop
        self._stop = threading.Event()
        self._backoff = Backoff(options.error_backoff_initial, options.error_backoff_max)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread; returns at once."""
        if self._thread is not None:
            raise RuntimeError(f"the {self.name} loop was already started")
        self._thread = threading.Thread(target=self._run, name=f"pagerd-{self.name}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the loop to end after its current cycle; returns at once."""
        self._stop.set()
        self._wakeup.notify()
        self._settling.notify()

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end; True when it did (or never started)."""
        if self._thread is None:
            return True
        self._thread.join(max(timeout, 0.0))
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                delay = self._step()
                if delay > 0 and not self._stop.is_set():
                    rung = self._wait(self._wakeup, delay)
                    settle = self._cadence.settle_after_ring
                    if rung and settle > 0 and not self._stop.is_set():
                        self._wait(self._settling, settle)
        finally:
            if self._on_exit is not None:
                self._on_exit()

    def _step(self) -> float:
        """One cycle; returns how long to wait before the next one."""
        # Cleared before the cycle: a ring during the cycle keeps the next wait short.
        self._wakeup.clear()
        try:
            done = self._duty.run_cycle()
            more = self._duty.more_due_now(done)
            delay = self._cadence.after_more_due if more else self._idle_wait()
        except Exception:
            delay = self._backoff.failed()
            self._log_failure(delay)
            return delay
        if self._backoff.failures:
            log.info("worker %s loop recovered", self.name)
            self._backoff.succeeded()
        return delay

    def _idle_wait(self) -> float:
        poll = self._cadence.idle_poll or self._options.poll_interval
        until = self._duty.seconds_until_due()
        if until is None or until <= 0:
            # Nothing known, or due work that someone else holds (a lease, a row lock):
            # look again after the poll interval rather than spin.
            return poll
        return min(poll, until)

    def _log_failure(self, delay: float) -> None:
        if self._backoff.failures == 1:
            log.exception("worker %s cycle failed; retrying in %.1f s", self.name, delay)
        else:
            log.warning(
                "worker %s cycle failed again (%d in a row); retrying in %.1f s",
                self.name,
                self._backoff.failures,
                delay,
            )
