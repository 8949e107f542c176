"""The loop under every worker duty, and the in-process wake-up: waits, backoff, survival."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Self

from sqlalchemy.exc import OperationalError

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.wakeup import ThreadWakeup, is_postgres_url, libpq_url
from pagerd.bootstrap import Container
from pagerd.config import load_settings
from pagerd.domain.channels import Channel
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.entrypoints.workers.duty import Cadence
from pagerd.entrypoints.workers.loop import Backoff, CycleLoop
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.testing import FakeClock
from pagerd.testing.harness import level


class ScriptedDuty:
    """A duty whose cycles raise or report work as scripted; stops its loop when done."""

    def __init__(
        self,
        script: list[int | Exception],
        until_due: float | None = None,
        again_now: Callable[[int], bool] = lambda done: done > 0,
    ) -> None:
        self.script = list(script)
        self.until_due = until_due
        self.again_now = again_now
        self.cycles = 0
        self.loop: CycleLoop | None = None

    def run_cycle(self) -> int:
        self.cycles += 1
        if not self.script:
            assert self.loop is not None
            self.loop.request_stop()
            return 0
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    def seconds_until_due(self) -> float | None:
        return self.until_due

    def more_due_now(self, done: int) -> bool:
        return self.again_now(done)

    in_flight = 0

    def wait_for_in_flight(self, timeout: float) -> bool:
        return True

    def begin_stop(self) -> None:
        return None

    def finish(self, timeout: float) -> None:
        return None


def run_loop(
    duty: ScriptedDuty,
    cadence: Cadence | None = None,
    rung: bool = False,
    **options: float,
) -> list[float]:
    """Run `duty` on a CycleLoop to the end of its script; return the waits it asked for.
    Every wait ends as if rung when `rung` is set, as if timed out otherwise."""
    waits: list[float] = []

    def record(wakeup: ThreadWakeup, timeout: float) -> bool:
        waits.append(round(timeout, 3))
        return rung

    loop = CycleLoop(
        "test",
        duty,
        ThreadWakeup(),
        WorkerOptions(**options),  # type: ignore[arg-type]
        record,
        cadence=cadence,
    )
    duty.loop = loop
    loop.start()
    assert loop.join(5)
    return waits


def test_a_failing_cycle_is_retried_with_doubling_backoff_and_the_loop_survives() -> None:
    down = OperationalError("SELECT 1", {}, ConnectionRefusedError("database is down"))
    duty = ScriptedDuty([down, down, down, down, 1, 0])

    waits = run_loop(duty, error_backoff_initial=0.5, error_backoff_max=2.0)

    assert waits == [0.5, 1.0, 2.0, 2.0, 1.0]  # after a success: no wait, then the poll
    assert duty.cycles == 7


def test_an_idle_loop_waits_for_the_next_due_time_capped_at_the_poll_interval() -> None:
    assert run_loop(ScriptedDuty([0], until_due=0.3)) == [0.3]
    assert run_loop(ScriptedDuty([0], until_due=30.0)) == [1.0]
    assert run_loop(ScriptedDuty([0], until_due=None), poll_interval=0.5) == [0.5]


def test_a_duty_that_drains_in_its_cycle_waits_after_working_instead_of_cycling_again() -> None:
    assert run_loop(ScriptedDuty([3, 0], until_due=0.3)) == [0.3]  # more due: again at once
    assert run_loop(ScriptedDuty([3, 0], until_due=0.3, again_now=lambda _done: False)) == [
        0.3,
        0.3,
    ]


def test_a_cadence_can_pause_between_batches_and_poll_less_often_than_the_worker() -> None:
    paced = Cadence(idle_poll=60.0, after_more_due=0.05)
    assert run_loop(ScriptedDuty([3, 0], until_due=None), cadence=paced) == [0.05, 60.0]


def test_a_settling_loop_lets_a_ring_settle_before_its_next_cycle() -> None:
    assert run_loop(ScriptedDuty([0, 0], until_due=0.3), rung=True) == [0.3, 0.3]
    assert run_loop(
        ScriptedDuty([0, 0], until_due=0.3), cadence=Cadence(settle_after_ring=0.05), rung=True
    ) == [
        0.3,
        0.05,
        0.3,
        0.05,
    ]
    # A wait that timed out was no ring: nothing to settle.
    assert run_loop(
        ScriptedDuty([0, 0], until_due=0.3), cadence=Cadence(settle_after_ring=0.05)
    ) == [
        0.3,
        0.3,
    ]


def test_due_work_that_another_worker_holds_is_polled_for_rather_than_spun_on() -> None:
    assert run_loop(ScriptedDuty([0], until_due=-2.0)) == [1.0]


def test_backoff_starts_over_after_a_success() -> None:
    backoff = Backoff(0.5, 5.0)
    assert [backoff.failed() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    backoff.succeeded()
    assert backoff.failed() == 0.5


def test_each_subscriber_of_a_wakeup_keeps_its_own_ring() -> None:
    source = ThreadWakeup()
    timers, dispatch = source.subscribe(), source.subscribe()

    source.notify()
    timers.clear()

    assert dispatch.wait(0)
    assert not timers.wait(0)
    source.unsubscribe(dispatch)
    dispatch.clear()
    source.notify()
    assert not dispatch.is_set()


class SwitchableUnitOfWork(InMemoryUnitOfWork):
    """An in-memory unit of work that refuses to begin while `down` is set."""

    def __init__(self, store: InMemoryStore, signal: ThreadWakeup, down: threading.Event) -> None:
        super().__init__(store, signal)
        self._down = down

    def __enter__(self) -> Self:
        if self._down.is_set():
            raise OperationalError("BEGIN", {}, ConnectionRefusedError("database is down"))
        return super().__enter__()


class SignallingSender:
    """Delivers, and tells the test when (monotonic time), to whom, and what `look` saw."""

    def __init__(self, look: Callable[[], object] = lambda: None) -> None:
        self.sent = threading.Event()
        self.sent_at = 0.0
        self.pages: list[OutgoingPage] = []
        self._look = look
        self.seen: object = None

    def send(self, page: OutgoingPage) -> DeliveryResult:
        self.seen = self._look()
        self.pages.append(page)
        self.sent_at = time.monotonic()
        self.sent.set()
        return DeliveryResult.delivered()


def _container(
    store: InMemoryStore, wakeup: ThreadWakeup, sender: SignallingSender, down: threading.Event
) -> Container:
    return Container(
        settings=load_settings(database_url="sqlite://"),
        uow_factory=lambda: SwitchableUnitOfWork(store, wakeup, down),
        clock=FakeClock(),
        senders=dict.fromkeys(Channel, sender),
        wakeup=wakeup,
    )


def _open_alert(container: Container) -> None:
    uow = container.uow_factory()
    service = services.create_service(uow, container.clock, "checkout")
    policies.put_policy(uow, service.id, [level("alice@example.com")], 0)
    alerts.receive_alert(uow, container.clock, service.id, "down", None)


def test_a_running_worker_survives_the_database_going_away_and_delivers_once_it_is_back() -> None:
    store, wakeup, sender, down = (
        InMemoryStore(),
        ThreadWakeup(),
        SignallingSender(),
        threading.Event(),
    )
    container = _container(store, wakeup, sender, down)
    failures = threading.Event()

    def short_wait(w: ThreadWakeup, timeout: float) -> bool:
        if down.is_set() and timeout >= 0.5:  # the backoff after a failed cycle
            failures.set()
        return w.wait(min(timeout, 0.01))

    engine = WorkerEngine(container, WorkerOptions(), wait=short_wait)
    _open_alert(container)
    down.set()
    engine.start()
    try:
        assert failures.wait(5)
        assert not sender.sent.is_set()
        down.clear()
        assert sender.sent.wait(5)
    finally:
        assert engine.stop(5)
    assert [p.address for p in sender.pages] == ["alice@example.com"]


def test_a_commit_wakes_the_dispatcher_well_before_the_poll_interval() -> None:
    dispatch_rings: list[bool] = []
    store, wakeup = InMemoryStore(), ThreadWakeup()
    sender = SignallingSender(look=lambda: list(dispatch_rings))
    container = _container(store, wakeup, sender, threading.Event())
    dispatch_idle = threading.Event()

    def observed_wait(w: ThreadWakeup, timeout: float) -> bool:
        dispatching = threading.current_thread().name == "pagerd-dispatch"
        if dispatching:
            dispatch_idle.set()
        rung = w.wait(timeout)
        if dispatching:
            dispatch_rings.append(rung)
        return rung

    engine = WorkerEngine(container, WorkerOptions(poll_interval=1.0), wait=observed_wait)
    engine.start()
    try:
        assert dispatch_idle.wait(5)
        committed_at = time.monotonic()
        _open_alert(container)
        assert sender.sent.wait(5)
    finally:
        assert engine.stop(5)

    latency = sender.sent_at - committed_at
    print(f"in-process wake-up latency: {latency * 1000:.1f} ms (poll interval 1000 ms)")
    # The wait just before the send ended with the commit's ring, not the poll's timeout.
    assert isinstance(sender.seen, list)
    assert sender.seen[-1] is True
    assert latency < 1.0


def test_the_listener_connects_with_libpq_urls_whatever_the_sqlalchemy_driver() -> None:
    assert libpq_url("postgresql+psycopg://pagerd:s3cret@db:5432/pagerd") == (
        "postgresql://pagerd:s3cret@db:5432/pagerd"
    )
    assert libpq_url("postgres://db/pagerd") == "postgresql://db/pagerd"
    assert not is_postgres_url("sqlite:///./pagerd.db")
    assert not is_postgres_url("not a url")
