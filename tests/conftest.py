"""Fixtures shared by every test layer: database URLs for SQLite and PostgreSQL.

PostgreSQL tests run when PAGERD_TEST_POSTGRES_URL is set (CI sets it) and are skipped
otherwise. Each use gets a database of its own, created here and dropped afterwards, so
tests and parallel runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "PAGERD_TEST_POSTGRES_URL"


def _admin_dsn(url: str) -> str:
    # psycopg takes libpq URLs; SQLAlchemy-style driver suffixes are dropped.
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file of this test's own."""
    return f"sqlite:///{tmp_path / 'pagerd.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database of this test's own; skips when none is configured."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
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
