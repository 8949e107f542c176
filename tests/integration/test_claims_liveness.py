"""Worker liveness on SQLite and PostgreSQL: a dead worker's claims come back at the next
beat of another worker, a live worker's stay; concurrent beats and claims do not deadlock."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.worker_liveness import STALE_AFTER, WorkerPresence
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.delivery import claim_pages
from pagerd.service_layer.worker_liveness import beat, sign_off
from pagerd.testing import DEFAULT_START, FakeClock
from pagerd.testing.harness import level

LEASE = timedelta(seconds=60)


class AllRunning:
    """Every pid runs: only rows and time decide."""

    host = "test-host"

    def is_running(self, pid: int, worker_id: str) -> bool:
        return True


def _presence(worker_id: str, clock: FakeClock) -> WorkerPresence:
    return WorkerPresence(worker_id, "test-host", 1, clock.now(), clock.now())


def _pages(engine: Engine, clock: FakeClock, count: int) -> None:
    for i in range(count):
        service = services.create_service(SqlAlchemyUnitOfWork(engine), clock, f"s{i}")
        policies.put_policy(
            SqlAlchemyUnitOfWork(engine), service.id, [level(f"p{i}@example.com")], 0
        )
        alerts.receive_alert(SqlAlchemyUnitOfWork(engine), clock, service.id, "down", None)


def _claim(engine: Engine, clock: FakeClock, worker_id: str) -> int:
    return len(claim_pages(SqlAlchemyUnitOfWork(engine), clock, worker_id, 100, LEASE))


def test_a_live_workers_claims_stay_however_long_it_holds_them(engine: Engine) -> None:
    clock = FakeClock(DEFAULT_START)
    _pages(engine, clock, 3)
    host = AllRunning()
    for name in ("live", "stale", "gone"):
        beat(SqlAlchemyUnitOfWork(engine), clock, _presence(name, clock), host)
    assert [_claim(engine, clock, name) for name in ("live", "stale", "gone")] == [3, 0, 0]

    for _ in range(4):  # "live" beats on, well past the staleness bound
        clock.advance(STALE_AFTER / 2)
        beat(SqlAlchemyUnitOfWork(engine), clock, _presence("live", clock), host)
    done = beat(SqlAlchemyUnitOfWork(engine), clock, _presence("observer", clock), host)
    assert (done.dead, done.returned_claims) == ((), 0)
    assert _claim(engine, clock, "observer") == 0


def test_each_kind_of_dead_owner_loses_its_claims_on_the_database(engine: Engine) -> None:
    clock = FakeClock(DEFAULT_START)
    _pages(engine, clock, 4)
    host = AllRunning()
    for name in ("live", "stale", "gone"):
        beat(SqlAlchemyUnitOfWork(engine), clock, _presence(name, clock), host)
    claimed = {
        name: len(claim_pages(SqlAlchemyUnitOfWork(engine), clock, name, 1, LEASE))
        for name in ("live", "stale", "gone", "never-registered")
    }
    assert claimed == {"live": 1, "stale": 1, "gone": 1, "never-registered": 1}
    sign_off(SqlAlchemyUnitOfWork(engine), "gone")

    clock.advance(STALE_AFTER / 2)
    first = beat(SqlAlchemyUnitOfWork(engine), clock, _presence("live", clock), host)
    assert (first.dead, first.returned_claims) == ((), 2)  # gone and never-registered: no row
    clock.advance(STALE_AFTER / 2 + timedelta(seconds=1))
    done = beat(SqlAlchemyUnitOfWork(engine), clock, _presence("observer", clock), host)

    assert [w.id for w in done.dead] == ["stale"]
    assert done.returned_claims == 1  # stale's; live keeps its own
    assert _claim(engine, clock, "observer") == 3
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        assert sorted(w.id for w in uow.workers.list()) == ["live", "observer"]


def test_concurrent_beats_and_claims_neither_deadlock_nor_steal(engine: Engine) -> None:
    clock = FakeClock(DEFAULT_START)
    _pages(engine, clock, 10)
    host = AllRunning()
    failures: list[BaseException] = []
    taken: dict[str, int] = {}

    def worker(name: str) -> None:
        try:
            me = _presence(name, clock)
            beat(SqlAlchemyUnitOfWork(engine), clock, me, host)
            taken[name] = 0
            for _ in range(20):
                taken[name] += len(claim_pages(SqlAlchemyUnitOfWork(engine), clock, name, 1, LEASE))
                beat(SqlAlchemyUnitOfWork(engine), clock, me, host)
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert sum(taken.values()) == 10  # each page claimed once: no live worker lost a claim
