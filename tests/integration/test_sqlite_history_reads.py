"""On SQLite, what a new alert reads does not grow with its service's history.

Receiving an alert looks for the service's active alert. Filtered by bound status values,
SQLite could not use the partial indexes that hold only active alerts, and walked every
alert the service ever had: with a million resolved alerts, ingest slowed down. The work is
counted in SQLite virtual-machine steps (a progress handler called at every step): the
same lookup with 0 and with 400 resolved alerts of the service must cost about the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.service import MonitoredService
from tests.integration.conftest import alert, at, engine_with_schema, service

HISTORY = 400


class StepCounter:
    """Counts the SQLite VM steps of every connection of an engine while `counting`."""

    def __init__(self, engine: Engine) -> None:
        self.steps = 0
        self.counting = False
        event.listen(engine, "checkout", self._watch)

    def _watch(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.set_progress_handler(self._step, 1)

    def _step(self) -> int:
        if self.counting:
            self.steps += 1
        return 0  # go on


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = engine_with_schema(f"sqlite:///{tmp_path / 'history.db'}")
    yield engine
    engine.dispose()


def _service_with_history(engine: Engine, resolved: int) -> MonitoredService:
    """A service with `resolved` resolved alerts and one open alert (the newest)."""
    monitored = service(name=f"svc-{resolved}")
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.add(monitored)
        for i in range(resolved):
            old = alert(monitored.id, created=at(i), key=f"old-{i}")
            old.resolve("history", at(i + 0.5))
            old.events = []
            uow.alerts.add(old)
        uow.alerts.add(alert(monitored.id, created=at(resolved + 1), key="now"))
        uow.commit()
    return monitored


def _steps_to_find_active(engine: Engine, counter: StepCounter, monitored: MonitoredService) -> int:
    with SqlAlchemyUnitOfWork(engine) as uow:
        counter.steps, counter.counting = 0, True
        found = uow.alerts.get_active_for_service_for_update(monitored.id)
        listed = uow.alerts.list_active_for_service_for_update(monitored.id)
        counter.counting = False
    assert found is not None
    assert [a.id for a in listed] == [found.id]
    return counter.steps


def test_finding_a_services_active_alert_does_not_read_its_history(
    sqlite_engine: Engine,
) -> None:
    counter = StepCounter(sqlite_engine)
    fresh = _service_with_history(sqlite_engine, 0)
    old = _service_with_history(sqlite_engine, HISTORY)
    without_history = _steps_to_find_active(sqlite_engine, counter, fresh)
    with_history = _steps_to_find_active(sqlite_engine, counter, old)
    # Walking the history costs several steps per old alert (thousands here); reading the
    # partial indexes costs the same whatever the history.
    assert with_history < without_history + HISTORY, (without_history, with_history)


def test_every_active_alert_is_found_under_either_grouping(sqlite_engine: Engine) -> None:
    """The two partial indexes together hold the active alerts of both groupings."""
    monitored = _service_with_history(sqlite_engine, 3)
    keyed = alert(monitored.id, created=at(100), key="disk")
    keyed.incident_key = "disk"
    with SqlAlchemyUnitOfWork(sqlite_engine) as uow:
        uow.alerts.add(keyed)
        uow.commit()
    with SqlAlchemyUnitOfWork(sqlite_engine) as uow:
        first = uow.alerts.get_active_for_service(monitored.id)
        every = uow.alerts.list_active_for_service_for_update(monitored.id)
    assert first is not None
    assert first.id != keyed.id  # the oldest active alert
    assert sorted(a.id for a in every) == sorted([first.id, keyed.id])
