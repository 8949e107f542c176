"""What only the SQL adapters promise: engine settings, clear errors, time zones, NOTIFY."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta, timezone
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, StatementError

from pagerd.adapters.sqlalchemy import (
    WORK_CHANNEL,
    DatabaseUnavailable,
    InvalidDatabaseUrl,
    SqlAlchemyUnitOfWork,
    create_engine_for,
    database_is_ready,
)
from pagerd.adapters.sqlalchemy import engine as engine_module
from pagerd.adapters.sqlalchemy.errors import conflict_from
from pagerd.domain.service import MonitoredService
from pagerd.service_layer.errors import ConcurrencyConflict
from tests.integration.conftest import T0, alert, engine_with_schema, service, timer


@pytest.mark.parametrize(
    "url",
    ["mysql://u@localhost/db", "not a url", "sqlite://", "sqlite:///:memory:"],
)
def test_an_unusable_database_url_is_refused_with_what_to_write(url: str) -> None:
    with pytest.raises(InvalidDatabaseUrl, match=r"sqlite:///"):
        create_engine_for(url)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg_3(scheme: str) -> None:
    engine = create_engine_for(f"{scheme}://u:p@127.0.0.1:5432/pagerd")

    assert engine.url.drivername == "postgresql+psycopg"


def _use_once_then_kill_its_backend(engine: Engine, postgres_url: str) -> None:
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.parametrize(("idle_seconds", "survives"), [(0.0, True), (3600.0, False)])
def test_a_pooled_connection_idle_past_the_threshold_is_checked_and_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, idle_seconds: float, survives: bool
) -> None:
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", idle_seconds)
    engine = create_engine_for(postgres_url)
    _use_once_then_kill_its_backend(engine, postgres_url)
    try:
        with engine.connect() as connection:
            answers = [connection.exec_driver_sql("SELECT 1").scalar()]
    except OperationalError:
        answers = []  # used moments ago, so not checked: the query met the dead link
    finally:
        engine.dispose()
    assert answers == ([1] if survives else [])


def test_sqlite_connections_are_durable_wal_with_foreign_keys(sqlite_url: str) -> None:
    engine = create_engine_for(sqlite_url)
    with engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    engine.dispose()

    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": 30000,
    }


def test_a_sqlite_unit_of_work_holds_the_write_lock_from_its_start(sqlite_url: str) -> None:
    engine = engine_with_schema(sqlite_url)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0.05)
    other.isolation_level = None

    with SqlAlchemyUnitOfWork(engine), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again once the unit of work is left
    other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_a_locked_sqlite_database_is_a_concurrency_conflict(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder, waiter = sqlite3.connect(path, timeout=0), sqlite3.connect(path, timeout=0)
    holder.isolation_level = waiter.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as locked:
        error = OperationalError("BEGIN IMMEDIATE", None, locked)
    holder.execute("ROLLBACK")

    assert isinstance(conflict_from(error), ConcurrencyConflict)


def test_a_postgresql_deadlock_is_a_concurrency_conflict(postgres_url: str) -> None:
    engine = engine_with_schema(postgres_url)
    first, second = service("a"), service("b")
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.add(first)
        uow.services.add(second)
        uow.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def lock_both(mine: MonitoredService, theirs: MonitoredService) -> None:
        try:
            with SqlAlchemyUnitOfWork(engine) as uow:
                uow.services.get_for_update(mine.id)
                barrier.wait()
                uow.services.get_for_update(theirs.id)
            outcomes.append("done")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=lock_both, args=(first, second)),
        threading.Thread(target=lock_both, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()

    assert sorted(outcomes) == ["conflict", "done"]


def test_an_unreachable_postgresql_says_what_to_check() -> None:
    engine = create_engine_for("postgresql://pagerd:secret@127.0.0.1:1/pagerd")

    with pytest.raises(DatabaseUnavailable, match="PAGERD_DATABASE_URL") as raised:
        SqlAlchemyUnitOfWork(engine).__enter__()

    assert "secret" not in str(raised.value)
    assert not database_is_ready(engine)


def test_a_server_lost_mid_transaction_is_unavailable_not_a_crash(postgres_url: str) -> None:
    engine = engine_with_schema(postgres_url)
    uow = SqlAlchemyUnitOfWork(engine)

    with pytest.raises(DatabaseUnavailable), uow:  # noqa: PT012
        pid = uow._require().connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        uow.services.get(service().id)

    with SqlAlchemyUnitOfWork(engine) as fresh:  # the pool recovers
        assert fresh.services.list(limit=1) == []
    engine.dispose()


def test_a_sqlite_file_in_a_missing_directory_says_what_to_check(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'missing' / 'pagerd.db'}")

    with pytest.raises(DatabaseUnavailable, match="directory exists"):
        SqlAlchemyUnitOfWork(engine).__enter__()


def test_a_reachable_database_is_ready(engine: Engine) -> None:
    assert database_is_ready(engine)


def test_a_time_in_another_zone_is_stored_as_the_same_instant_in_utc(engine: Engine) -> None:
    local = T0.astimezone(timezone(timedelta(hours=-3)))
    s = service(created=local)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.add(s)
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        stored = uow.services.get(s.id)

    assert stored is not None
    assert stored.created_at == T0
    assert stored.created_at.utcoffset() == timedelta(0)


def test_a_naive_time_is_refused(engine: Engine) -> None:
    s = service(created=T0.replace(tzinfo=None))

    with pytest.raises(StatementError, match="naive"), SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.add(s)


def _listener(url: str) -> psycopg.Connection[tuple[object, ...]]:
    connection = psycopg.connect(url, autocommit=True)
    connection.execute(f"LISTEN {WORK_CHANNEL}")
    return connection


def test_a_commit_that_wrote_due_work_notifies_other_processes(postgres_url: str) -> None:
    engine = engine_with_schema(postgres_url)
    s = service()
    a = alert(s.id)
    listener = _listener(postgres_url)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.add(s)
        uow.alerts.add(a)
        uow.commit()
    quiet = list(listener.notifies(timeout=0.2, stop_after=1))
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.timers.arm(timer(a.id, T0))
    rolled_back = list(listener.notifies(timeout=0.2, stop_after=1))
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.timers.arm(timer(a.id, T0))
        uow.commit()
    woken = list(listener.notifies(timeout=5, stop_after=1))
    listener.close()
    engine.dispose()

    assert quiet == []
    assert rolled_back == []
    assert [n.channel for n in woken] == [WORK_CHANNEL]


def test_deleting_an_alert_cascades_on_the_database_itself(engine: Engine) -> None:
    s = service()
    a = alert(s.id)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.add(s)
        uow.alerts.add(a)
        uow.timers.arm(timer(a.id, T0))
        uow.commit()

    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.delete(s.id)
        uow.commit()

    with engine.connect() as connection:
        left = connection.execute(sa.text("SELECT count(*) FROM timers")).scalar_one()
    assert left == 0
