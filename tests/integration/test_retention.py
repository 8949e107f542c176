"""Retention on every backend (in memory, SQLite, PostgreSQL), with the test clock: the
history of alerts resolved longer ago than PAGERD_RETENTION_DAYS goes, in bounded batches;
the alerts themselves, recent history and open incidents stay."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.config import Settings
from pagerd.domain.ack_code import AckCode
from pagerd.domain.alert import AlertStatus
from pagerd.entrypoints.workers.duties import DUTIES
from pagerd.service_layer.retention import prune_resolved_history
from pagerd.testing.harness import PagingHarness, level
from tests.integration.conftest import UowFactory

DAY = 24 * 3600


@pytest.fixture
def h(make_uow: UowFactory) -> PagingHarness:
    return PagingHarness(make_uow=make_uow, settings=Settings(retention_days=30))


def incident(h: PagingHarness, name: str, resolve: bool = True) -> UUID:
    """An alert paged on two levels, with an SMS ack code; resolved unless told not to."""
    service = h.create_service(name)
    h.set_policy(
        service.id,
        [level("alice@example.com", "+5492664295169", timeout=300), level("bob@example.com")],
    )
    alert = h.alert(service.id, f"{name} is down", dedup_key="k")
    h.run_workers()
    h.advance(300)  # level 1
    now, century = h.clock.now(), timedelta(days=36500)  # a code that outlives the test
    with h.uow:
        h.uow.ack_codes.add(AckCode("4821", alert.id, "+5492664295169", now, now + century))
        h.uow.commit()
    if resolve:
        h.healthy(service.id)
        h.run_workers()
    return alert.id


def history(h: PagingHarness, alert_id: UUID) -> tuple[int, int, bool]:
    """(pages, timeline entries, whether its ack code is still there)."""
    now = h.clock.now()
    with h.uow:
        pages = len(h.uow.outbox.list_for_alert(alert_id))
        entries = len(h.uow.timeline.list_for_alert(alert_id))
        code = h.uow.ack_codes.find_for(alert_id, "+5492664295169", now) is not None
    return pages, entries, code


def test_the_history_of_an_alert_resolved_longer_ago_than_the_retention_goes_but_the_alert_stays(
    h: PagingHarness,
) -> None:
    alert_id = incident(h, "checkout")
    pages, entries, code = history(h, alert_id)
    assert (pages, entries > 3, code) == (3, True, True)

    h.advance(30 * DAY - 1)
    assert history(h, alert_id) == (pages, entries, True)  # not yet older than 30 days
    h.advance(2)

    assert history(h, alert_id) == (0, 0, False)
    kept = h.get_alert(alert_id)
    assert kept.status is AlertStatus.RESOLVED
    assert kept.message == "checkout is down"


def test_recent_history_and_open_incidents_are_kept_whatever_their_age(h: PagingHarness) -> None:
    old = incident(h, "checkout")
    still_open = incident(h, "search", resolve=False)
    h.advance(20 * DAY)
    recent = incident(h, "billing")
    recent_history = history(h, recent)

    h.advance(15 * DAY)  # `old` resolved 35 days ago, `recent` 15 days ago

    assert history(h, old) == (0, 0, False)
    assert history(h, recent) == recent_history
    assert history(h, still_open)[0] == 3
    assert h.get_alert(still_open).status is AlertStatus.OPEN


def test_each_batch_deletes_at_most_its_limit_and_marks_an_alert_pruned_only_once_empty(
    h: PagingHarness,
) -> None:
    first, second = incident(h, "checkout"), incident(h, "search")
    # + two codes each: the one its SMS page's claim issued, and the one `incident` added
    rows = sum(history(h, first)[:2]) + sum(history(h, second)[:2]) + 4
    h.clock.advance(timedelta(days=31))
    retention = timedelta(days=30)

    batches = []
    while (pruned := prune_resolved_history(h.uow, h.clock, retention, limit=4)).work:
        batches.append(pruned)

    assert all(batch.rows <= 4 for batch in batches)
    assert sum(batch.rows for batch in batches) == rows
    assert [batch.alerts for batch in batches if batch.alerts] == [2]  # both, in the last one
    assert history(h, first) == history(h, second) == (0, 0, False)
    # Pruned alerts are not taken again.
    assert prune_resolved_history(h.uow, h.clock, retention, limit=4).work == 0


def test_the_engine_drains_a_backlog_in_batches_of_the_registered_size(
    make_uow: UowFactory,
) -> None:
    by_five = [replace(spec, batch=5) if spec.name == "retention" else spec for spec in DUTIES]
    h = PagingHarness(make_uow=make_uow, settings=Settings(retention_days=30), duties=by_five)
    ids = [incident(h, f"service-{n}") for n in range(3)]
    rows = sum(sum(history(h, alert_id)[:2]) + 1 for alert_id in ids)
    h.clock.advance(timedelta(days=31))
    retention = h.engine.duty("retention")

    batches = []
    while done := h.engine.run_cycle("retention"):
        batches.append(retention.more_due_now(done))

    # Full batches ask for another cycle at once; the last one, which finished, does not.
    assert len(batches) >= rows // 5
    assert batches[:-1] == [True] * (len(batches) - 1)
    assert batches[-1] is False
    assert [history(h, alert_id) for alert_id in ids] == [(0, 0, False)] * 3


def test_zero_days_keeps_everything_the_engine_runs_no_retention(make_uow: UowFactory) -> None:
    h = PagingHarness(make_uow=make_uow, settings=Settings(retention_days=0))
    alert_id = incident(h, "checkout")
    before = history(h, alert_id)

    h.advance(3650 * DAY)

    assert "retention" not in h.engine.duty_names
    assert history(h, alert_id) == before


def test_two_workers_pruning_at_once_share_the_work_and_delete_everything_once(
    engine: Engine,
) -> None:
    h = PagingHarness(
        make_uow=lambda signal: SqlAlchemyUnitOfWork(engine, signal),
        settings=Settings(retention_days=30),
    )
    ids = [incident(h, f"service-{n}") for n in range(6)]
    rows = sum(sum(history(h, alert_id)[:2]) + 2 for alert_id in ids)  # + its two codes
    h.clock.advance(timedelta(days=31))
    deleted: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def prune() -> None:
        uow = SqlAlchemyUnitOfWork(engine)
        try:
            start.wait(10)
            while (batch := prune_resolved_history(uow, h.clock, timedelta(days=30), 7)).work:
                deleted.append(batch.rows)
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=prune) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert failures == []
    assert sum(deleted) == rows
    assert [history(h, alert_id) for alert_id in ids] == [(0, 0, False)] * 6
