"""Fixtures of the integration tests: units of work on every backend.

`make_uow` runs a test three times: on the in-memory reference adapter, on SQLite and on
PostgreSQL (when PAGERD_TEST_POSTGRES_URL is set). `engine` runs it on the two databases,
for tests that need real concurrency. Schemas are created from `tables.metadata` (fast);
the migration tests prove that the migrations build exactly the same schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine_for
from pagerd.adapters.sqlalchemy.tables import metadata
from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.policy import EscalationPolicy, Level, Target
from pagerd.domain.service import MonitoredService
from pagerd.domain.timer import AckTimer
from pagerd.service_layer.ports import UnitOfWork, WorkSignal
from tests.conftest import _admin_dsn, postgres_base_url
from tests.postgres_lock import postgres_server_held

UowFactory = Callable[[WorkSignal | None], UnitOfWork]


def engine_with_schema(url: str) -> Engine:
    """An engine on `url` whose database has pagerd's tables."""
    engine = create_engine_for(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
    return engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on SQLite, then on PostgreSQL, with the schema created."""
    built = engine_with_schema(database_url)
    yield built
    built.dispose()


@pytest.fixture(scope="session")
def shared_postgres_engine() -> Iterator[Engine]:
    """One PostgreSQL database with the schema for the whole session (of each xdist worker):
    creating a database per test costs about a second, emptying the tables a few
    milliseconds. Only through `make_uow`: it is first made inside a test that holds the
    server (a second hold by the same process could deadlock behind a waiting restart)."""
    base = postgres_base_url()
    name = f"pagerd_contract_{uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(base), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    built = engine_with_schema(f"{base.rpartition('/')[0]}/{name}")
    yield built
    built.dispose()
    with (  # at the end of the session, when no test of this process holds the server
        postgres_server_held(base, exclusive=False),
        psycopg.connect(_admin_dsn(base), autocommit=True) as admin,
    ):
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _emptied(engine: Engine) -> Engine:
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_uow(request: pytest.FixtureRequest) -> Iterator[UowFactory]:
    """A factory of units of work sharing one empty store or database, on each backend."""
    if request.param == "memory":
        store = InMemoryStore()
        yield lambda signal=None: InMemoryUnitOfWork(store, signal)
        return
    if request.param == "postgres":
        request.getfixturevalue("postgres_server")  # held first: a restart may be under way
        shared = _emptied(request.getfixturevalue("shared_postgres_engine"))
        yield lambda signal=None: SqlAlchemyUnitOfWork(shared, signal)
        return
    built = engine_with_schema(request.getfixturevalue("sqlite_url"))
    yield lambda signal=None: SqlAlchemyUnitOfWork(built, signal)
    built.dispose()


# Builders of domain objects for the persistence tests.

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def service(name: str = "checkout", created: datetime = T0) -> MonitoredService:
    return MonitoredService(uuid4(), name, uuid4().hex, created)


def policy(service_id: UUID, repeat: int = 0) -> EscalationPolicy:
    return EscalationPolicy(
        id=uuid4(),
        monitored_service_id=service_id,
        levels=(
            Level(
                timedelta(seconds=300),
                (
                    Target(uuid4(), Channel.EMAIL, "alice@example.com"),
                    Target(uuid4(), Channel.SMS, "+5492664295169"),
                ),
            ),
            Level(
                timedelta(minutes=15), (Target(uuid4(), Channel.WEBHOOK, "https://h.example/x"),)
            ),
        ),
        repeat=repeat,
    )


def alert(
    service_id: UUID, created: datetime = T0, plan: EscalationPlan | None = None, key: str = "k1"
) -> Alert:
    opened = Alert.open(uuid4(), service_id, "checkout is down", key, plan, created)
    opened.events = []
    return opened


def timer(alert_id: UUID, due: datetime, level: int = 0) -> AckTimer:
    return AckTimer.arm(alert_id, level, 0, due)


def notification(
    opened: Alert, target: Target | None = None, created: datetime = T0, level: int = 0
) -> Notification:
    chosen = target or Target(uuid4(), Channel.EMAIL, "alice@example.com")
    return Notification.for_target(
        opened.id, opened.monitored_service_id, level, 0, chosen, created
    )


# Committed fixtures of the contract tests.


def commit_change(make_uow: UowFactory, change: Callable[[UnitOfWork], object]) -> None:
    """Run `change` in a unit of work and commit it."""
    with make_uow(None) as uow:
        change(uow)
        uow.commit()


def stored_service(make_uow: UowFactory, name: str = "checkout") -> MonitoredService:
    """A service, committed."""
    s = service(name)
    uow = make_uow(None)
    with uow:
        uow.services.add(s)
        uow.commit()
    return s


def stored_alert(make_uow: UowFactory, name: str = "checkout", created: datetime = T0) -> Alert:
    """An open alert with a frozen plan, of a new service named `name`, committed."""
    s = stored_service(make_uow, name)
    a = alert(s.id, created, EscalationPlan.freeze(policy(s.id)))
    uow = make_uow(None)
    with uow:
        uow.alerts.add(a)
        uow.commit()
    return a
