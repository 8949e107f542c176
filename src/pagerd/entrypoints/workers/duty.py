"""What the engine runs: duties, and how a duty is declared.

A duty is one kind of background work (fire timers, dispatch pages, prune old history). A
`DutySpec` declares it: its name, how its loop paces cycles (`Cadence`), which signal wakes
it (`WakeOn`), its batch, and how to build it from a `DutyContext`. The registry
(`duties.DUTIES`) lists every spec; the engine builds and runs what it lists, each duty on
its own thread, and tests or the simulation drive the same duties cycle by cycle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.entrypoints.workers.options import WorkerOptions
from pagerd.service_layer.ack_tokens import AckLinks
from pagerd.service_layer.observability import Observer
from pagerd.service_layer.paging import Sender
from pagerd.service_layer.ports import Clock, UnitOfWork


class Duty(Protocol):
    """One kind of background work, driven by a CycleLoop (or by a test, cycle by cycle).

    Every method is called from one thread, the loop's (or the test's).
    """

    def run_cycle(self) -> int:
        """Do what is due now; return how much was done (0: nothing was due)."""
        ...

    def seconds_until_due(self) -> float | None:
        """Seconds until the next known due work (<= 0: due now), None when none is known."""
        ...

    def more_due_now(self, done: int) -> bool:
        """Whether the cycle that did `done` left more work due at once (cycle again now)."""
        ...

    @property
    def in_flight(self) -> int:
        """Work taken from the database and not yet given back (sends still running)."""
        ...

    def wait_for_in_flight(self, timeout: float) -> bool:
        """Block until the work in flight has finished; True when it did."""
        ...

    def begin_stop(self) -> None:
        """Take no new work; returns at once. The current cycle may finish its transaction."""
        ...

    def finish(self, timeout: float) -> None:
        """Graceful end, within about `timeout` seconds: settle or give back the work in
        flight. Called once, after the last cycle."""
        ...


class TransactionalDuty:
    """The defaults of a duty whose work is all done inside its cycles' transactions.

    Nothing is in flight between cycles, so stopping only means not starting another batch;
    by default a cycle does everything due (`more_due_now` is False).
    """

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def more_due_now(self, done: int) -> bool:
        return False

    @property
    def in_flight(self) -> int:
        return 0

    def wait_for_in_flight(self, timeout: float) -> bool:
        return True

    def begin_stop(self) -> None:
        self.stopping.set()

    def finish(self, timeout: float) -> None:
        self.begin_stop()


class WakeOn(Enum):
    """What wakes a duty's loop before its next due time or poll."""

    COMMITTED_WORK = "committed_work"
    """A commit that wrote timers or pages: rung in-process by the unit of work, and from
    other processes by PostgreSQL's NOTIFY (the listener)."""

    NOTHING = "nothing"
    """The duty only polls (its work is never urgent)."""


@dataclass(frozen=True)
class Cadence:
    """How a duty's loop paces its cycles.

    - `idle_poll`: the longest wait, in seconds, when nothing is known to be due; None: the
      worker's poll interval (at most one second).
    - `after_more_due`: seconds before the next cycle when a cycle left more due (0: at
      once). A pause lets other writers take their turn between two batches.
    - `settle_after_ring`: seconds to let a ring settle before cycling, so that the rings of
      a burst of commits make one cycle. For duties whose new work is never due at once.
    """

    idle_poll: float | None = None
    after_more_due: float = 0.0
    settle_after_ring: float = 0.0


@dataclass(frozen=True)
class DutyContext:
    """What a duty is built from: the process's adapters and the duty's own settings.

    `wakeup` is the duty's own: ringing it makes its loop cycle again at once (a send that
    finished on a pool thread). `batch` is the spec's.
    """

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    senders: Mapping[Channel, Sender]
    observer: Observer
    settings: Settings
    worker_id: str
    options: WorkerOptions
    batch: int
    wakeup: ThreadWakeup
    jitter: Callable[[], float] | None = None
    links: AckLinks | None = None
    """Signs the acknowledge links the dispatch duty's claims put on pages."""


def _always(_settings: Settings) -> bool:
    return True


@dataclass(frozen=True)
class DutySpec:
    """One duty as the registry declares it.

    `build` makes the duty from a context; `enabled` tells from the settings whether this
    process runs it at all (retention switched off, for example). A `bookend` duty runs
    its first cycle before any other duty starts and is stopped only after all the others
    have ended (the worker's liveness row: there before the first claim, gone after the
    last).
    """

    name: str
    build: Callable[[DutyContext], Duty]
    batch: int
    wakes_on: WakeOn
    cadence: Cadence = field(default_factory=Cadence)
    enabled: Callable[[Settings], bool] = _always
    bookend: bool = False
