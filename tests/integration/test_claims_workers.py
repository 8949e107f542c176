"""Workers sharing the queues: every due timer fires once, every due page is claimed once.

Two worker threads on SQLite and PostgreSQL, and two worker processes on PostgreSQL, loop
over the same due rows until none is left; each row must be taken by exactly one of them.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine_for
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.delivery import claim_pages
from pagerd.service_layer.timers import fire_next_due_timer
from pagerd.testing import DEFAULT_START, FakeClock
from pagerd.testing.harness import level
from tests.integration.conftest import engine_with_schema

INCIDENTS = 20
TIMEOUT = 60


def _incidents(engine: Engine, clock: FakeClock) -> None:
    """INCIDENTS open alerts, each with two pages of level 0 and a timer due at TIMEOUT."""
    for i in range(INCIDENTS):
        service = services.create_service(SqlAlchemyUnitOfWork(engine), clock, f"s{i}")
        policies.put_policy(
            SqlAlchemyUnitOfWork(engine),
            service.id,
            [
                level(f"a{i}@example.com", f"b{i}@example.com", timeout=TIMEOUT),
                level(f"c{i}@example.com"),
            ],
        )
        alerts.receive_alert(SqlAlchemyUnitOfWork(engine), clock, service.id, "down")


def _fire_until_none(engine: Engine, clock: FakeClock) -> list[str]:
    fired = []
    while (timer := fire_next_due_timer(SqlAlchemyUnitOfWork(engine), clock)) is not None:
        fired.append(str(timer.timer.id))
    return fired


def _claim_until_none(engine: Engine, clock: FakeClock, worker: str) -> list[str]:
    claimed = []
    while pages := claim_pages(SqlAlchemyUnitOfWork(engine), clock, worker, limit=3):
        claimed += [str(item.notification_id) for page in pages for item in page.items]
    return claimed


def _in_threads(jobs: list[Callable[[], list[str]]]) -> list[str]:
    barrier = threading.Barrier(len(jobs))
    taken: list[str] = []
    failures: list[BaseException] = []

    def run(job: Callable[[], list[str]]) -> None:
        barrier.wait()
        try:
            taken.extend(job())
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return taken


def _timer_ids(engine: Engine) -> set[str]:
    with SqlAlchemyUnitOfWork(engine) as uow:
        return {
            str(t.id)
            for a in uow.alerts.list(limit=100)
            if (t := uow.timers.pending_for_alert(a.id)) is not None
        }


def _pending_page_ids(engine: Engine) -> set[str]:
    with SqlAlchemyUnitOfWork(engine) as uow:
        return {
            str(n.id)
            for a in uow.alerts.list(limit=100)
            for n in uow.outbox.list_for_alert(a.id)
            if n.is_pending
        }


def _assert_each_escalated_once(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for alert in uow.alerts.list(limit=100):
            assert alert.level == 1
            assert len(uow.outbox.list_for_level(alert.id, 1, 0)) == 1


def test_two_workers_fire_each_due_timer_exactly_once(engine: Engine) -> None:
    clock = FakeClock()
    _incidents(engine, clock)
    due = _timer_ids(engine)
    clock.advance(TIMEOUT)

    fired = _in_threads([lambda: _fire_until_none(engine, clock)] * 2)

    assert len(due) == INCIDENTS
    assert Counter(fired) == Counter(due)
    _assert_each_escalated_once(engine)


def test_two_dispatchers_claim_each_due_page_exactly_once(engine: Engine) -> None:
    clock = FakeClock()
    _incidents(engine, clock)
    due = _pending_page_ids(engine)

    claimed = _in_threads([lambda w=w: _claim_until_none(engine, clock, w) for w in ("w1", "w2")])

    assert len(due) == 2 * INCIDENTS
    assert Counter(claimed) == Counter(due)


def _work_in_process(url: str, kind: str, worker: str, start: Any, results: Any) -> None:
    """A child process: one worker loop over the shared queue, started with the others."""
    engine = create_engine_for(url)
    clock = FakeClock(DEFAULT_START + timedelta(seconds=TIMEOUT))
    start.wait()
    if kind == "timers":
        results.put(_fire_until_none(engine, clock))
    else:
        results.put(_claim_until_none(engine, clock, worker))
    engine.dispose()


def _in_processes(url: str, kind: str, count: int = 2) -> list[str]:
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(count), spawn.Queue()
    children = [
        spawn.Process(target=_work_in_process, args=(url, kind, f"p{n}", start, results))
        for n in range(count)
    ]
    for child in children:
        child.start()
    taken = [item for _ in children for item in results.get(timeout=120)]
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0] * count
    return taken


@pytest.mark.slow
def test_two_worker_processes_fire_each_due_timer_exactly_once_on_postgresql(
    postgres_url: str,
) -> None:
    engine = engine_with_schema(postgres_url)
    _incidents(engine, FakeClock())
    due = _timer_ids(engine)

    fired = _in_processes(postgres_url, "timers")

    assert Counter(fired) == Counter(due)
    _assert_each_escalated_once(engine)
    engine.dispose()


@pytest.mark.slow
def test_two_dispatcher_processes_claim_each_due_page_exactly_once_on_postgresql(
    postgres_url: str,
) -> None:
    engine = engine_with_schema(postgres_url)
    _incidents(engine, FakeClock())
    due = _pending_page_ids(engine)

    claimed = _in_processes(postgres_url, "pages")

    assert len(due) == 2 * INCIDENTS
    assert Counter(claimed) == Counter(due)
    engine.dispose()
