"""Heartbeats on every backend (in memory, SQLite, PostgreSQL), with the test clock, and
two workers sharing their deadlines on the two databases: each miss acts exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.alert import AlertStatus
from pagerd.domain.service import ServiceStatus
from pagerd.service_layer import heartbeats, policies, services
from pagerd.testing import FakeClock
from pagerd.testing.harness import PagingHarness, level
from tests.integration.conftest import UowFactory

HOUR = timedelta(hours=1)


@pytest.fixture
def h(make_uow: UowFactory) -> PagingHarness:
    return PagingHarness(make_uow=make_uow)


def test_a_heartbeat_is_stored_listed_missed_pinged_and_deleted(h: PagingHarness) -> None:
    service = h.create_service("backups")
    h.set_policy(service.id, [level("oncall@example.com")])
    beat = heartbeats.create_heartbeat(h.uow, h.clock, service.id, "nightly", HOUR, HOUR / 2)
    listed = heartbeats.list_heartbeats(h.uow, service.id)
    assert listed == [beat]
    with h.uow:
        assert h.uow.heartbeats.next_deadline_at() == beat.deadline_at

    h.advance(5401)
    (late,) = heartbeats.list_heartbeats(h.uow, service.id)
    assert late.late is True
    assert late.deadline_at is None
    with h.uow:
        alert = h.uow.alerts.get_active_for_service(service.id)
        assert h.uow.heartbeats.next_deadline_at() is None
    assert alert is not None
    assert alert.dedup_keys == ["heartbeat:nightly"]
    assert h.paged_addresses() == ["oncall@example.com"]

    pinged = heartbeats.record_ping(h.uow, h.clock, beat.ping_token)
    assert pinged.last_ping_at == h.clock.now()
    assert h.get_alert(alert.id).status is AlertStatus.RESOLVED
    assert h.get_service(service.id).status is ServiceStatus.HEALTHY

    heartbeats.delete_heartbeat(h.uow, h.clock, service.id, beat.id)
    assert heartbeats.list_heartbeats(h.uow, service.id) == []


def test_deleting_a_service_deletes_its_heartbeats(h: PagingHarness) -> None:
    service = h.create_service("backups")
    beat = heartbeats.create_heartbeat(h.uow, h.clock, service.id, "nightly", HOUR)

    services.delete_service(h.uow, service.id)

    with h.uow:
        assert h.uow.heartbeats.get(beat.id) is None


def test_two_workers_act_on_each_missed_deadline_exactly_once(engine: Engine) -> None:
    clock = FakeClock()
    tokens = []
    for i in range(12):
        service = services.create_service(SqlAlchemyUnitOfWork(engine), clock, f"s{i}")
        policies.put_policy(SqlAlchemyUnitOfWork(engine), service.id, [level(f"p{i}@example.com")])
        for name in ("a", "b"):
            beat = heartbeats.create_heartbeat(
                SqlAlchemyUnitOfWork(engine), clock, service.id, name, HOUR
            )
            tokens.append(beat.ping_token)
    clock.advance(HOUR + timedelta(seconds=1))

    fired: list[str] = []
    barrier = threading.Barrier(2)

    def work() -> None:
        barrier.wait()
        while batch := heartbeats.fire_missed_heartbeats(SqlAlchemyUnitOfWork(engine), clock, 3):
            fired.extend(str(m.heartbeat.id) for m in batch)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fired) == len(set(fired)) == 24
    with SqlAlchemyUnitOfWork(engine) as uow:
        incidents = uow.alerts.list(limit=100)
        assert len(incidents) == 12
        assert all(sorted(a.dedup_keys) == ["heartbeat:a", "heartbeat:b"] for a in incidents)
        assert all(len(uow.outbox.list_for_alert(a.id)) == 1 for a in incidents)
