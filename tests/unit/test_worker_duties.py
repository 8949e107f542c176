"""The engine's registry of duties: one list, run the same by `serve`, `worker` and the
simulation; a new duty is one registration; retention is configured by its setting."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from pydantic import ValidationError

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions, start_workers
from pagerd.entrypoints.workers.duties import DUTIES
from pagerd.entrypoints.workers.duty import (
    Cadence,
    DutyContext,
    DutySpec,
    TransactionalDuty,
    WakeOn,
)
from pagerd.service_layer.retention import prune_resolved_history
from pagerd.testing import FakeClock, RecordingSender
from pagerd.testing.harness import PagingHarness


def container(settings: Settings | None = None) -> Container:
    store, wakeup = InMemoryStore(), ThreadWakeup()
    return Container(
        settings=settings or Settings(database_url="sqlite://"),
        uow_factory=lambda: InMemoryUnitOfWork(store, wakeup),
        clock=FakeClock(),
        senders=dict.fromkeys(Channel, RecordingSender()),
        wakeup=wakeup,
    )


class CountingDuty(TransactionalDuty):
    """A duty from outside the registry: counts its cycles, notes its graceful finish."""

    instances: list[CountingDuty] = []

    def __init__(self, context: DutyContext) -> None:
        super().__init__()
        self.batch = context.batch
        self.cycles = 0
        self.cycled = threading.Event()
        self.finished = False
        CountingDuty.instances.append(self)

    def run_cycle(self) -> int:
        self.cycles += 1
        self.cycled.set()
        return 0

    def seconds_until_due(self) -> float | None:
        return None

    def finish(self, timeout: float) -> None:
        super().finish(timeout)
        self.finished = True


def test_the_registry_declares_each_duty_once_with_its_batch_and_wake_up_signal() -> None:
    assert [spec.name for spec in DUTIES] == [
        "liveness",
        "timers",
        "dispatch",
        "heartbeats",
        "maintenance",
        "retention",
    ]
    assert all(spec.batch > 0 for spec in DUTIES)
    wakes = {spec.name: spec.wakes_on for spec in DUTIES}
    assert [spec.name for spec in DUTIES if spec.bookend] == ["liveness"]
    assert wakes == {
        "liveness": WakeOn.NOTHING,
        "timers": WakeOn.COMMITTED_WORK,
        "dispatch": WakeOn.COMMITTED_WORK,
        "heartbeats": WakeOn.NOTHING,
        "maintenance": WakeOn.NOTHING,
        "retention": WakeOn.NOTHING,
    }


def test_the_process_engine_and_the_simulation_run_the_same_registered_duties() -> None:
    running = start_workers(container(), WorkerOptions(), worker_id="worker-a")
    try:
        in_process = running.engine.duty_names
    finally:
        assert running.stop(5)

    assert in_process == PagingHarness().engine.duty_names == [s.name for s in DUTIES]


def test_a_new_duty_is_one_more_registration_run_on_its_own_thread_and_stopped_gracefully() -> None:
    CountingDuty.instances.clear()
    extra = DutySpec("counting", CountingDuty, batch=7, wakes_on=WakeOn.NOTHING)
    engine = WorkerEngine(container(), duties=(*DUTIES, extra))

    engine.start()
    [duty] = CountingDuty.instances
    assert duty.cycled.wait(5)
    assert engine.stop(5)

    assert engine.duty_names[-1] == "counting"
    assert duty.batch == 7
    assert duty.finished


def test_two_duties_with_one_name_are_refused() -> None:
    twice = DutySpec("timers", CountingDuty, batch=1, wakes_on=WakeOn.NOTHING)
    with pytest.raises(ValueError, match="share a name"):
        WorkerEngine(container(), duties=(*DUTIES, twice))


def test_a_duty_woken_by_nothing_is_not_subscribed_to_commits() -> None:
    CountingDuty.instances.clear()
    built = container()
    polled = DutySpec(
        "counting",
        CountingDuty,
        batch=1,
        wakes_on=WakeOn.NOTHING,
        cadence=Cadence(idle_poll=60.0),
    )
    engine = WorkerEngine(built, duties=(polled,))
    engine.start()
    [duty] = CountingDuty.instances
    try:
        assert duty.cycled.wait(5)
        duty.cycled.clear()
        built.wakeup.notify()  # what a commit of due work does
        assert not duty.cycled.wait(0.3)  # it waits for its 60 s poll, not for commits
    finally:
        assert engine.stop(5)


def test_retention_runs_by_default_and_zero_days_leaves_it_out() -> None:
    default = WorkerEngine(container())
    off = WorkerEngine(container(Settings(database_url="sqlite://", retention_days=0)))

    assert Settings.model_fields["retention_days"].default == 365
    assert "retention" in default.duty_names
    assert off.duty_names == ["liveness", "timers", "dispatch", "heartbeats", "maintenance"]


@pytest.mark.parametrize("days", [-1, 36501])
def test_a_retention_outside_0_to_100_years_is_refused(days: int) -> None:
    with pytest.raises(ValidationError, match="retention_days"):
        Settings(retention_days=days)


def test_pruning_refuses_a_retention_or_a_batch_that_is_not_positive() -> None:
    h = PagingHarness()
    with pytest.raises(ValueError, match="positive"):
        prune_resolved_history(h.uow, h.clock, timedelta(0), 10)
    with pytest.raises(ValueError, match="positive"):
        prune_resolved_history(h.uow, h.clock, timedelta(days=1), 0)
