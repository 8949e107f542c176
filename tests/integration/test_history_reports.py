"""The unit of work reports the alert history it made durable, and only that (the event log
must never show a change that was rolled back, such as a lost race retried)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.service_layer.observability import NullObserver
from pagerd.service_layer.ports import TimelineEntry
from tests.integration.conftest import T0, alert, service


class RecordingObserver(NullObserver):
    def __init__(self) -> None:
        self.reported: list[list[str]] = []

    def alert_history_committed(self, entries: Sequence[TimelineEntry]) -> None:
        self.reported.append([entry.type for entry in entries])


def test_committed_timeline_entries_are_reported_once_and_rolled_back_ones_never(
    engine: Engine,
) -> None:
    observer = RecordingObserver()
    uow = SqlAlchemyUnitOfWork(engine, observer=observer)
    checkout = service()
    opened = alert(checkout.id)
    with uow:
        uow.services.add(checkout)
        uow.alerts.add(opened)
        uow.timeline.append(TimelineEntry(opened.id, T0, "opened"))
        uow.commit()
    with uow:
        uow.timeline.append_many([TimelineEntry(opened.id, T0, "acknowledged")])
        uow.rollback()
        uow.timeline.append_many([TimelineEntry(opened.id, T0, "resolved")])
        uow.commit()
    with uow:
        uow.timeline.append(TimelineEntry(opened.id, T0, "joined"))  # left without commit

    assert observer.reported == [["opened"], ["resolved"]]
