"""Grouping per dedup key under real concurrency (threads behind a barrier, SQLite and
PostgreSQL), and the database refusing a second incident of one key by itself."""

from __future__ import annotations

from collections import Counter
from uuid import uuid4

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.alert import Alert
from pagerd.domain.service import IncidentGrouping, MonitoredService
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.alert_batches import receive_alert_batch
from pagerd.service_layer.alerts import IncomingAlert
from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.testing import FakeClock
from pagerd.testing.harness import level
from tests.integration.conftest import at
from tests.integration.test_races_alerts import _run_together

SENDERS = 50
KEYS = 5


def _keyed_service(engine: Engine, clock: FakeClock) -> MonitoredService:
    service = services.create_service(
        SqlAlchemyUnitOfWork(engine), clock, "payments", IncidentGrouping.DEDUP_KEY
    )
    policies.put_policy(
        SqlAlchemyUnitOfWork(engine),
        service.id,
        [level("alice@example.com", "+5492664295169", timeout=60)],
    )
    return service


def _assert_one_incident_per_key_paged_once(engine: Engine, service_id: object) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        found = uow.alerts.list(limit=100, service_id=service_id)  # type: ignore[arg-type]
        assert sorted(a.incident_key or "" for a in found) == [f"k{n}" for n in range(KEYS)]
        for incident in found:
            assert incident.dedup_keys == [incident.incident_key]
            pages = uow.outbox.list_for_alert(incident.id)
            assert sorted(p.address for p in pages) == ["+5492664295169", "alice@example.com"]
            assert uow.timers.pending_for_alert(incident.id) is not None
        assert uow.timers.count() == KEYS


def test_fifty_concurrent_senders_open_exactly_one_incident_per_dedup_key(
    engine: Engine,
) -> None:
    clock = FakeClock()
    service = _keyed_service(engine, clock)

    def send(i: int) -> object:
        return alerts.receive_alert(
            SqlAlchemyUnitOfWork(engine), clock, service.id, f"down {i}", f"k{i % KEYS}"
        )

    received = _run_together([lambda i=i: send(i) for i in range(SENDERS)])  # type: ignore[misc]

    opened = Counter(r.alert.incident_key for r in received if not r.deduplicated)  # type: ignore[attr-defined]
    assert opened == {f"k{n}": 1 for n in range(KEYS)}
    _assert_one_incident_per_key_paged_once(engine, service.id)


def test_fifty_concurrent_batches_open_exactly_one_incident_per_dedup_key(
    engine: Engine,
) -> None:
    clock = FakeClock()
    service = _keyed_service(engine, clock)

    def send(i: int) -> object:
        firing = [IncomingAlert(f"down {i}", f"k{(i + n) % KEYS}") for n in range(2)]
        return receive_alert_batch(SqlAlchemyUnitOfWork(engine), clock, service.id, firing, [])

    results = _run_together([lambda i=i: send(i) for i in range(SENDERS)])  # type: ignore[misc]

    assert sum(r.count("opened") for r in results) == KEYS  # type: ignore[attr-defined]
    _assert_one_incident_per_key_paged_once(engine, service.id)


def _open(service: MonitoredService, key: str | None, dedup_key: str) -> Alert:
    return Alert.open(uuid4(), service.id, "down", dedup_key, None, at(0), incident_key=key)


def test_the_database_refuses_a_second_active_incident_of_one_dedup_key(engine: Engine) -> None:
    service = services.create_service(SqlAlchemyUnitOfWork(engine), FakeClock(), "payments")
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.alerts.add(_open(service, "disk", "disk"))
        uow.alerts.add(_open(service, "api", "api"))  # another key: allowed
        uow.commit()

    with pytest.raises(ConcurrencyConflict), SqlAlchemyUnitOfWork(engine) as uow:
        uow.alerts.add(_open(service, "disk", "disk"))
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.alerts.add(_open(service, None, "x"))
        with pytest.raises(ConcurrencyConflict):
            uow.alerts.add(_open(service, None, "y"))  # two per-service incidents


def test_the_database_refuses_a_dedup_key_twice_on_one_incident(engine: Engine) -> None:
    service = services.create_service(SqlAlchemyUnitOfWork(engine), FakeClock(), "payments")
    alert = _open(service, None, "disk")
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.alerts.add(alert)
        uow.commit()

    with SqlAlchemyUnitOfWork(engine) as uow:
        stored = uow.alerts.get_for_update(alert.id)
        assert stored is not None
        stored.join("again", "disk", at(1), held=False)  # a buggy caller: the key is held
        with pytest.raises(ConcurrencyConflict):
            uow.alerts.update(stored)
