"""WorkerRunner: the timer duty and the dispatch duty of one worker, on two threads."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.bootstrap import Container
from pagerd.entrypoints.workers.dispatch import Dispatcher
from pagerd.entrypoints.workers.loop import CycleLoop, WaitFn, wait_for_ring
from pagerd.entrypoints.workers.options import WorkerOptions, new_worker_id
from pagerd.entrypoints.workers.timers import TimerDuty

log = logging.getLogger("pagerd.worker")

DEFAULT_STOP_TIMEOUT = 10.0
"""Seconds a graceful stop gives running sends to finish and be recorded."""


TIMER_RING_SETTLE_SECONDS = 0.05
"""How long the timer loop lets rings settle before looking at the timers again."""


class WorkerRunner:
    """One worker: fires due timers and dispatches due pages until stopped.

    `start()` runs both duties on background threads, each waking on the container's
    wakeup (when it is a ThreadWakeup), on its next due time, or after the poll interval.
    Tests may instead drive `run_timer_cycle()` and `run_dispatch_cycle()` themselves.
    `stop(timeout)` is graceful: no new claims, running sends finish and are recorded, pages
    claimed but not sent are released for other workers.
    """

    def __init__(
        self,
        container: Container,
        options: WorkerOptions | None = None,
        worker_id: str | None = None,
        wait: WaitFn = wait_for_ring,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self.options = options or WorkerOptions()
        self._source, timer_wake, dispatch_wake = _subscribe(container)
        self._wakeups = (timer_wake, dispatch_wake)
        self._stopping = threading.Event()
        self._deadline: float | None = None  # monotonic time by which stopping must end
        self._timers = TimerDuty(
            container.uow_factory, container.clock, container.observer, self._stopping
        )
        self._dispatcher = Dispatcher(
            container.uow_factory,
            container.clock,
            container.senders,
            container.observer,
            self.worker_id,
            self.options,
            on_send_done=dispatch_wake.notify,
            jitter=jitter,
        )
        # A timer cycle fires until nothing is due, and a dispatch cycle that took less than
        # a full batch drained the queue: neither needs another cycle at once. A ring never
        # means a timer is due now (an armed timer is due a second later at the earliest), so
        # the timer loop lets a burst of rings settle instead of taking the database's turn
        # from the dispatcher at the moment a new alert's pages are waiting.
        self._timer_loop = CycleLoop(
            "timers",
            self._timers,
            timer_wake,
            self.options,
            wait,
            again_now=lambda _done: False,
            settle_after_ring=TIMER_RING_SETTLE_SECONDS,
        )
        self._dispatch_loop = CycleLoop(
            "dispatch",
            self._dispatcher,
            dispatch_wake,
            self.options,
            wait,
            on_exit=lambda: self._dispatcher.finish(self._time_left()),
            again_now=self._dispatcher.more_due_now,
        )
        self._started = False

    def run_timer_cycle(self) -> int:
        """Fire every due timer now, in this thread; return how many fired."""
        return self._timers.run_cycle()

    def run_dispatch_cycle(self) -> int:
        """Record finished sends, claim due pages and start sending them; return how many
        pages were recorded or started. Sends run on the pool: see `wait_for_sends`."""
        return self._dispatcher.run_cycle()

    def wait_for_sends(self, timeout: float = 10.0) -> bool:
        """Block until every started send finished; True when they did within `timeout`."""
        return self._dispatcher.wait_for_sends(timeout)

    def run_until_idle(self, timeout: float = 10.0) -> None:
        """Run both duties in this thread until nothing is due, in flight or unrecorded.

        For tests and single-shot tools, with a clock that does not move by itself.
        """
        deadline = time.monotonic() + timeout
        while True:
            work = self.run_timer_cycle() + self.run_dispatch_cycle()
            if self._dispatcher.in_flight:
                if not self.wait_for_sends(deadline - time.monotonic()):
                    raise TimeoutError("sends still running")
                continue
            if not work:
                return

    @property
    def in_flight(self) -> int:
        """Pages claimed by this worker and not yet recorded."""
        return self._dispatcher.in_flight

    def start(self) -> None:
        """Run both duties on background threads; returns at once."""
        if self._started:
            raise RuntimeError("this worker was already started")
        self._started = True
        self._timer_loop.start()
        self._dispatch_loop.start()
        log.info("worker started", extra={"worker_id": self.worker_id})

    def request_stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Stop claiming new work at once; running sends get `timeout` seconds to finish.

        Returns at once; `stop` waits for the rest.
        """
        self._set_deadline(timeout)
        self._stopping.set()
        self._dispatcher.begin_stop()
        self._timer_loop.request_stop()
        self._dispatch_loop.request_stop()

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        """Stop gracefully within about `timeout` seconds; True when everything ended.

        Running sends finish and are recorded; pages claimed but not sent are released.
        """
        self.request_stop(timeout)
        if self._started:
            ended = self._timer_loop.join(self._time_left())
            ended = self._dispatch_loop.join(self._time_left()) and ended
        else:
            self._dispatcher.finish(self._time_left())
            ended = self._dispatcher.in_flight == 0
        for wakeup in self._wakeups:
            if self._source is not None:
                self._source.unsubscribe(wakeup)
        log.info("worker stopped", extra={"worker_id": self.worker_id, "clean": ended})
        return ended

    def _set_deadline(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self._deadline = deadline if self._deadline is None else min(self._deadline, deadline)

    def _time_left(self) -> float:
        if self._deadline is None:
            return DEFAULT_STOP_TIMEOUT
        return max(0.0, self._deadline - time.monotonic())


def _subscribe(container: Container) -> tuple[ThreadWakeup | None, ThreadWakeup, ThreadWakeup]:
    """Wakeups of the two loops, rung by the container's wakeup when it can ring them."""
    source = container.wakeup
    if isinstance(source, ThreadWakeup):
        return source, source.subscribe(), source.subscribe()
    # Another WorkSignal (a recording one in tests) cannot ring us: poll only.
    return None, ThreadWakeup(), ThreadWakeup()
