"""Maintenance windows on every backend (in memory, SQLite, PostgreSQL), with the test
clock, and two workers sharing window ends on the two databases: each end acts once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.service_layer import alerts, maintenance, policies, services
from pagerd.testing import FakeClock
from pagerd.testing.harness import PagingHarness, level
from tests.integration.conftest import UowFactory

HOUR = timedelta(hours=1)


@pytest.fixture
def h(make_uow: UowFactory) -> PagingHarness:
    return PagingHarness(make_uow=make_uow)


def test_a_window_holds_an_alert_and_its_end_pages_level_0_once(h: PagingHarness) -> None:
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("oncall@example.com", timeout=600)])
    now = h.clock.now()
    window = maintenance.create_window(h.uow, h.clock, service.id, now, now + HOUR, "upgrade")
    assert maintenance.list_windows(h.uow, service.id) == [window]
    with h.uow:
        assert h.uow.maintenance.covering(service.id, now) == window
        assert h.uow.maintenance.next_end_at() == now + HOUR

    alert = h.alert(service.id)
    h.advance(3599)
    assert h.paged_addresses() == []
    h.advance(1)
    h.advance(1)

    assert h.paged_addresses() == ["oncall@example.com"]
    assert [e.type for e in h.timeline(alert.id)].count("maintenance_ended") == 1
    with h.uow:
        assert h.uow.maintenance.next_end_at() is None


def test_deleting_a_service_deletes_its_windows(h: PagingHarness) -> None:
    service = h.create_service("checkout")
    now = h.clock.now()
    window = maintenance.create_window(h.uow, h.clock, service.id, now, now + HOUR)

    services.delete_service(h.uow, service.id)

    with h.uow:
        assert h.uow.maintenance.get(window.id) is None


def test_two_workers_act_on_each_window_end_exactly_once(engine: Engine) -> None:
    clock = FakeClock()
    now = clock.now()
    for i in range(12):
        service = services.create_service(SqlAlchemyUnitOfWork(engine), clock, f"s{i}")
        policies.put_policy(SqlAlchemyUnitOfWork(engine), service.id, [level(f"p{i}@example.com")])
        for _ in range(2):
            maintenance.create_window(
                SqlAlchemyUnitOfWork(engine), clock, service.id, now, now + HOUR
            )
        alerts.receive_alert(SqlAlchemyUnitOfWork(engine), clock, service.id, "down")
    clock.advance(HOUR)

    ended: list[str] = []
    barrier = threading.Barrier(2)

    def work() -> None:
        barrier.wait()
        while batch := maintenance.end_due_windows(SqlAlchemyUnitOfWork(engine), clock, 3):
            ended.extend(str(e.window.id) for e in batch)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(ended) == len(set(ended)) == 24
    with SqlAlchemyUnitOfWork(engine) as uow:
        incidents = uow.alerts.list(limit=100)
        assert len(incidents) == 12
        assert all(a.level == 0 for a in incidents)
        assert all(len(uow.outbox.list_for_alert(a.id)) == 1 for a in incidents)
