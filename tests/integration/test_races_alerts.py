"""Races with real concurrency: many alerts at once, acknowledge against the timer.

Threads behind a barrier (SQLite and PostgreSQL), and on PostgreSQL several processes too.
Whatever the interleaving, one incident opens, each target is paged once, and nobody of a
later level is paged once an acknowledgement has committed.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import PostgresUnitOfWork, SqlAlchemyUnitOfWork, create_engine_for
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.service import MonitoredService
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.delivery import deliver_due_pages
from pagerd.service_layer.timers import fire_next_due_timer
from pagerd.testing import FakeClock, RecordingSender
from pagerd.testing.harness import level
from tests.integration.conftest import engine_with_schema

TARGETS = ("alice@example.com", "+5492664295169", "https://hooks.example.com/a")
ACK_RACE_ROUNDS = 15


def _run_together(jobs: list[Callable[[], object]]) -> list[object]:
    """Run each job in its own thread, all released at once; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def _service(engine: Engine, clock: FakeClock, name: str = "checkout") -> MonitoredService:
    service = services.create_service(SqlAlchemyUnitOfWork(engine), clock, name)
    policies.put_policy(
        SqlAlchemyUnitOfWork(engine),
        service.id,
        [level(*TARGETS, timeout=60), level("bob@example.com", timeout=60)],
    )
    return service


def _assert_one_incident_paged_once(engine: Engine, service_id: UUID, senders: int) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        incidents = uow.alerts.list(limit=100, service_id=service_id)
        assert len(incidents) == 1
        incident = incidents[0]
        pages = uow.outbox.list_for_alert(incident.id)
        timeline = Counter(e.type for e in uow.timeline.list_for_alert(incident.id))
        assert uow.timers.pending_for_alert(incident.id) is not None
        assert uow.timers.count() == 1
    assert sorted(p.address for p in pages) == sorted(TARGETS)
    assert len(incident.dedup_keys) == senders
    assert timeline["opened"] == 1
    assert timeline["joined"] == senders - 1


def test_fifty_concurrent_alerts_for_one_service_open_one_incident_paging_each_target_once(
    engine: Engine,
) -> None:
    clock = FakeClock()
    service = _service(engine, clock)

    def send(i: int) -> Callable[[], object]:
        return lambda: alerts.receive_alert(
            SqlAlchemyUnitOfWork(engine), clock, service.id, f"down {i}", f"key-{i}"
        )

    received = _run_together([send(i) for i in range(50)])

    assert len({r.alert.id for r in received}) == 1  # type: ignore[attr-defined]
    assert sum(not r.deduplicated for r in received) == 1  # type: ignore[attr-defined]
    _assert_one_incident_paged_once(engine, service.id, senders=50)


def _receive_in_process(
    url: str, service_id: UUID, threads: int, start: Any, results: Any, offset: int
) -> None:
    """A child process: `threads` concurrent alerts, released with every other process."""
    engine = create_engine_for(url)
    clock = FakeClock()
    start.wait()
    received = _run_together(
        [
            (
                lambda i=i: alerts.receive_alert(
                    SqlAlchemyUnitOfWork(engine), clock, service_id, "down", f"key-{offset + i}"
                )
            )
            for i in range(threads)
        ]
    )
    results.put([(str(r.alert.id), r.deduplicated) for r in received])  # type: ignore[attr-defined]
    engine.dispose()


@pytest.mark.slow
def test_concurrent_alerts_from_several_processes_open_one_incident_on_postgresql(
    postgres_url: str,
) -> None:
    engine = engine_with_schema(postgres_url)
    service = _service(engine, FakeClock())
    spawn = multiprocessing.get_context("spawn")
    processes, threads = 3, 10
    start, results = spawn.Barrier(processes), spawn.Queue()
    children = [
        spawn.Process(
            target=_receive_in_process,
            args=(postgres_url, service.id, threads, start, results, p * threads),
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    received = [item for _ in children for item in results.get(timeout=120)]
    for child in children:
        child.join(timeout=60)

    assert [child.exitcode for child in children] == [0] * processes
    assert len({alert_id for alert_id, _ in received}) == 1
    assert sum(not deduplicated for _, deduplicated in received) == 1
    _assert_one_incident_paged_once(engine, service.id, senders=processes * threads)
    engine.dispose()


def _race_acknowledge_against_the_timer(engine: Engine, round_number: int) -> Alert:
    clock = FakeClock()
    service = _service(engine, clock, f"service {round_number}")
    opened = alerts.receive_alert(SqlAlchemyUnitOfWork(engine), clock, service.id, "down").alert
    clock.advance(60)  # level 0's timer is due

    _run_together(
        [
            lambda: alerts.acknowledge(SqlAlchemyUnitOfWork(engine), clock, opened.id, "alice"),
            lambda: fire_next_due_timer(SqlAlchemyUnitOfWork(engine), clock),
        ]
    )
    journal: list[Any] = []
    senders = {channel: RecordingSender(journal) for channel in Channel}
    deliver_due_pages(SqlAlchemyUnitOfWork(engine), clock, senders, "w", random.random)

    assert "bob@example.com" not in [page.address for page in journal]
    with SqlAlchemyUnitOfWork(engine) as uow:
        final = uow.alerts.get(opened.id)
        assert uow.timers.pending_for_alert(opened.id) is None
        later = uow.outbox.list_for_level(opened.id, 1, 0)
    assert all(n.status is NotificationStatus.CANCELLED for n in later)
    assert final is not None
    assert final.status is AlertStatus.ACKNOWLEDGED
    return final


def test_an_acknowledge_racing_the_timer_never_lets_the_next_level_be_paged(
    engine: Engine,
) -> None:
    outcomes = Counter(
        _race_acknowledge_against_the_timer(engine, n).level for n in range(ACK_RACE_ROUNDS)
    )

    assert set(outcomes) <= {0, 1}  # acknowledged first (0), or escalated then cancelled (1)


class _AlertsPausedBeforeReading:
    """Alert repository that runs `meanwhile` right before reading the active incident
    (the service already locked, the incident not yet)."""

    def __init__(self, inner: Any, meanwhile: Callable[[], None]) -> None:
        self._inner = inner
        self._meanwhile = meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_active_for_service_for_update(self, service_id: UUID) -> Alert | None:
        self._meanwhile()
        found: Alert | None = self._inner.get_active_for_service_for_update(service_id)
        return found


class _InterruptedUnitOfWork(PostgresUnitOfWork):
    def __init__(self, engine: Engine, meanwhile: Callable[[], None]) -> None:
        super().__init__(engine)
        self._meanwhile = meanwhile

    def _bind(self, session: Session) -> None:
        super()._bind(session)
        self.alerts = _AlertsPausedBeforeReading(self.alerts, self._meanwhile)


def test_an_alert_joining_while_the_timer_escalates_keeps_the_escalation(
    postgres_url: str,
) -> None:
    # Regression: receive_alert wrote back an unlocked copy of the incident, undoing a level
    # the timer had just escalated to; the new level's timer then found it stale: the
    # escalation stopped for good. The incident is now read once, locked: the timer fires
    # after the service is locked and before that read. On PostgreSQL only: SQLite's single
    # writer cannot interleave these two transactions at all.
    engine = engine_with_schema(postgres_url)
    clock = FakeClock()
    service = _service(engine, clock)
    opened = alerts.receive_alert(SqlAlchemyUnitOfWork(engine), clock, service.id, "a", "a").alert
    clock.advance(60)
    done: list[object] = []

    def escalate_meanwhile() -> None:
        if not done:
            done.append(
                _run_together([lambda: fire_next_due_timer(SqlAlchemyUnitOfWork(engine), clock)])
            )

    alerts.receive_alert(
        _InterruptedUnitOfWork(engine, escalate_meanwhile), clock, service.id, "b", "b"
    )

    with SqlAlchemyUnitOfWork(engine) as uow:
        final = uow.alerts.get(opened.id)
        timer = uow.timers.pending_for_alert(opened.id)
    engine.dispose()
    assert final is not None
    assert timer is not None
    assert final.level == 1
    assert (timer.level, timer.pass_number) == (1, 0)
    assert final.dedup_keys == ["a", "b"]
