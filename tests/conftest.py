"""Fixtures shared by every test layer: database URLs for SQLite and PostgreSQL.

PostgreSQL tests run when PAGERD_TEST_POSTGRES_URL is set (CI sets it) and are skipped
otherwise. Each use gets a database of its own, created here and dropped afterwards, so
tests, pytest-xdist workers and parallel runs never see each other's rows. The server itself
is shared: a test on it holds it (tests/postgres_lock.py), and a test marked
`restarts_postgres` holds it alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_lock import RESTARTS_POSTGRES, postgres_server_held

POSTGRES_ENV = "PAGERD_TEST_POSTGRES_URL"


def _admin_dsn(url: str) -> str:
    # psycopg takes libpq URLs; SQLAlchemy-style driver suffixes are dropped.
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file of this test's own."""
    return f"sqlite:///{tmp_path / 'pagerd.db'}"


def postgres_base_url() -> str:
    """PAGERD_TEST_POSTGRES_URL, or a skip when it is not set."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return base


@pytest.fixture
def postgres_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The PostgreSQL server's base URL, held for this test: shared, or alone for a test
    marked `restarts_postgres`. Skips when none is configured."""
    base = postgres_base_url()
    exclusive = request.node.get_closest_marker(RESTARTS_POSTGRES) is not None
    with postgres_server_held(base, exclusive=exclusive):
        yield base


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of this test's own; skips when none is configured."""
    base = postgres_server
    import psycopg

    name = f"pagerd_test_{uuid.uuid4().hex[:12]}"
    dsn = _admin_dsn(base)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    prefix, _, _ = base.rpartition("/")
    try:
        yield f"{prefix}/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs twice: on SQLite, and on PostgreSQL when configured."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url
