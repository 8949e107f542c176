"""The engine: the registered duties of one worker, each on its own thread.

`WorkerEngine(container)` builds every enabled duty of the registry (`duties.DUTIES`, or a list
given by a test) and, once started, runs each on a CycleLoop that wakes on the duty's
signal, its next due time or its poll. Tests and the simulation drive the same duties in
their own thread instead: `run_cycle(name)`, `run_until_idle()`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.bootstrap import Container
from pagerd.entrypoints.workers.duties import DUTIES
from pagerd.entrypoints.workers.duty import Duty, DutyContext, DutySpec, WakeOn
from pagerd.entrypoints.workers.loop import CycleLoop, WaitFn, wait_for_ring
from pagerd.entrypoints.workers.options import WorkerOptions, new_worker_id
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner

log = logging.getLogger("pagerd.worker")

DEFAULT_STOP_TIMEOUT = 10.0
"""Seconds a graceful stop gives work in flight (running sends) to finish and be recorded."""


@dataclass
class _Running:
    """A built duty, the wakeup its loop waits on, and the loop."""

    spec: DutySpec
    duty: Duty
    wakeup: ThreadWakeup
    loop: CycleLoop


class WorkerEngine:
    """One worker: runs the registered duties until stopped.

    `start()` runs each duty on a background thread. Tests may instead drive cycles
    themselves. `stop(timeout)` is graceful: no new work is taken, running sends finish and
    are recorded, pages claimed but not sent are released for other workers.
    """

    def __init__(
        self,
        container: Container,
        options: WorkerOptions | None = None,
        worker_id: str | None = None,
        wait: WaitFn = wait_for_ring,
        jitter: Callable[[], float] | None = None,
        duties: Sequence[DutySpec] = DUTIES,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self.options = options or WorkerOptions()
        self._source = container.wakeup if isinstance(container.wakeup, ThreadWakeup) else None
        self._deadline: float | None = None  # monotonic time by which stopping must end
        self._duties: dict[str, _Running] = {}
        if len({spec.name for spec in duties}) != len(duties):
            raise ValueError("two duties share a name")
        for spec in duties:
            if spec.enabled(container.settings):
                self._duties[spec.name] = self._build(spec, container, wait, jitter)
        self._started = False

    def _build(
        self,
        spec: DutySpec,
        container: Container,
        wait: WaitFn,
        jitter: Callable[[], float] | None,
    ) -> _Running:
        # Without a ThreadWakeup to subscribe to (a recording signal in tests), a duty
        # polls only; its own wakeup still lets it ring itself.
        source = self._source if spec.wakes_on is WakeOn.COMMITTED_WORK else None
        wakeup = source.subscribe() if source is not None else ThreadWakeup()
        context = DutyContext(
            uow_factory=container.uow_factory,
            clock=container.clock,
            senders=container.senders,
            observer=container.observer,
            settings=container.settings,
            worker_id=self.worker_id,
            options=self.options,
            batch=spec.batch,
            wakeup=wakeup,
            jitter=jitter,
            links=AckLinks(container.public_url, AckLinkSigner(container.secret_key)),
        )
        duty = spec.build(context)
        loop = CycleLoop(
            spec.name,
            duty,
            wakeup,
            self.options,
            wait,
            on_exit=lambda: duty.finish(self._time_left()),
            cadence=spec.cadence,
        )
        return _Running(spec, duty, wakeup, loop)

    @property
    def duty_names(self) -> list[str]:
        """The duties this engine runs, in registry order."""
        return list(self._duties)

    def duty(self, name: str) -> Duty:
        """The running duty called `name` (KeyError when not registered or not enabled)."""
        return self._duties[name].duty

    def run_cycle(self, name: str) -> int:
        """Run one cycle of duty `name` in this thread; return how much it did."""
        return self._duties[name].duty.run_cycle()

    def wait_for_in_flight(self, timeout: float = 10.0) -> bool:
        """Block until no duty has work in flight; True when that happened within `timeout`."""
        deadline = time.monotonic() + timeout
        return all(
            running.duty.wait_for_in_flight(deadline - time.monotonic())
            for running in self._duties.values()
        )

    @property
    def in_flight(self) -> int:
        """Work taken by this worker and not yet recorded (claimed pages)."""
        return sum(running.duty.in_flight for running in self._duties.values())

    def run_until_idle(self, timeout: float = 10.0) -> None:
        """Run every duty's cycles in this thread, in registry order, until none finds work
        and nothing is in flight. For tests and the simulation, whose clock does not move
        by itself."""
        deadline = time.monotonic() + timeout
        while True:
            work = sum(running.duty.run_cycle() for running in self._duties.values())
            if self.in_flight:
                if not self.wait_for_in_flight(deadline - time.monotonic()):
                    raise TimeoutError("work still in flight")
                continue
            if not work:
                return

    def start(self) -> None:
        """Run every duty on a background thread; returns at once."""
        if self._started:
            raise RuntimeError("this worker was already started")
        self._started = True
        for running in self._bookends():
            try:
                running.duty.run_cycle()
            except Exception:
                log.exception("worker %s: first cycle failed; its loop retries", running.spec.name)
        for running in self._others():
            running.loop.start()
        for running in self._bookends():
            running.loop.start()
        log.info("worker started", extra={"worker_id": self.worker_id, "duties": self.duty_names})

    def request_stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Take no new work from now; work in flight gets `timeout` seconds to finish.

        Returns at once; `stop` waits for the rest, then stops the bookend duties.
        """
        self._set_deadline(timeout)
        for running in self._others():
            running.duty.begin_stop()
            running.loop.request_stop()

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        """Stop gracefully within about `timeout` seconds; True when everything ended.

        Running sends finish and are recorded; pages claimed but not sent are released.
        """
        self.request_stop(timeout)
        ended = True
        for running in [*self._others(), *self._bookends()]:
            if running.spec.bookend:  # only once every other duty has ended
                running.duty.begin_stop()
                running.loop.request_stop()
            if self._started:
                ended = running.loop.join(self._time_left()) and ended
            else:
                running.duty.finish(self._time_left())
                ended = running.duty.in_flight == 0 and ended
            if self._source is not None:
                self._source.unsubscribe(running.wakeup)
        log.info("worker stopped", extra={"worker_id": self.worker_id, "clean": ended})
        return ended

    def _bookends(self) -> list[_Running]:
        return [running for running in self._duties.values() if running.spec.bookend]

    def _others(self) -> list[_Running]:
        return [running for running in self._duties.values() if not running.spec.bookend]

    def _set_deadline(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self._deadline = deadline if self._deadline is None else min(self._deadline, deadline)

    def _time_left(self) -> float:
        if self._deadline is None:
            return DEFAULT_STOP_TIMEOUT
        return max(0.0, self._deadline - time.monotonic())
