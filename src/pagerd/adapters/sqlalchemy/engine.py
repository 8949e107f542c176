"""Engines for SQLite and PostgreSQL, configured for pagerd's guarantees.

SQLite: a new database file is created 0600 (it holds the secret key); WAL (readers never
block the writer), `synchronous=FULL` (a committed alert is on disk before the answer),
foreign keys on, a 30 s busy timeout, and every transaction begun with `BEGIN IMMEDIATE`,
so a transaction takes the single write lock before it reads: two use cases never read the
same state and then both write it, and no read lock ever has to be upgraded (the deadlock
SQLite answers with "database is locked" at once).
PostgreSQL: psycopg 3, a pool whose idle connections are checked before use, a connect
timeout.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError

from pagerd.adapters.sqlalchemy.errors import (
    DatabaseUnavailable,
    InvalidDatabaseUrl,
    unavailable,
)
from pagerd.adapters.sqlalchemy.sqlite_gate import install_gated_begin

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# Per process. Under load a request thread, the workers and the send threads each hold a
# connection: with 5 kept, the overflow ones were opened and closed on every burst, and a
# new PostgreSQL connection costs a backend process (ingest on PostgreSQL 127 -> 157
# alerts/s with 15 kept). 25 at most per process: three pagerd processes fit PostgreSQL's
# default max_connections of 100; threads beyond wait for a connection (30 s at most).
POOL_SIZE = 15
MAX_OVERFLOW = 10
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
_EXPECTED = "use sqlite:///path/to/pagerd.db or postgresql://user:password@host:5432/dbname"


def create_engine_for(url: str) -> Engine:
    """An engine for a `sqlite:///path` or `postgresql://...` URL; connects lazily.

    Raises InvalidDatabaseUrl for anything else (including in-memory SQLite, which each
    pooled connection would see as a different, empty database).
    """
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return _postgres_engine(parsed)


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise InvalidDatabaseUrl(f"{url!r} is not a database URL: {_EXPECTED}") from exc
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        if parsed.host:
            # sqlite://pagerd.db parses as a host named pagerd.db and no file at all.
            raise InvalidDatabaseUrl(
                f"{url.strip()!r} has two slashes, so {parsed.host!r} is read as a host; a "
                f"SQLite URL has three before a relative path (sqlite:///{parsed.host}) and "
                f"four before an absolute one (sqlite:////var/lib/pagerd/pagerd.db)"
            )
        if parsed.database in (None, "", ":memory:"):
            raise InvalidDatabaseUrl(
                "an in-memory SQLite database cannot be shared by pagerd's threads; "
                "use a file: sqlite:///path/to/pagerd.db"
            )
        return parsed.set(drivername="sqlite+pysqlite")
    if driver in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise InvalidDatabaseUrl(f"unsupported database {driver!r}: {_EXPECTED}")


def require_sqlite_directory(url: str) -> None:
    """Raise DatabaseUnavailable, saying to create it, when a SQLite URL's directory is missing.

    SQLite creates the file but never its directory, and its own error says only "unable to
    open database file". Called before creating a schema; engines stay lazy (a directory
    may be mounted after pagerd starts).
    """
    parsed = _parse(url)
    if parsed.get_backend_name() != "sqlite":
        return
    directory = Path(parsed.database or ".").expanduser().absolute().parent
    if not directory.is_dir():
        raise DatabaseUnavailable(
            f"the directory {directory} of the SQLite database does not exist: create it "
            f"(mkdir -p {directory}) or point PAGERD_DATABASE_URL at a file in an existing "
            "directory"
        )


def _sqlite_engine(url: URL) -> Engine:
    _create_private_file(str(url.database))
    engine = sa.create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )
    event.listen(engine, "connect", _configure_sqlite_connection)
    install_gated_begin(engine, SQLITE_BUSY_TIMEOUT_SECONDS, _begin_immediate)
    return engine


def _create_private_file(path: str) -> None:
    """Create the database file readable and writable by its owner only (0600), unless it
    exists. It holds the secret key and everything else; SQLite gives its -wal and -shm
    files the database file's permissions, so they are 0600 too."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # a missing directory and the like: SQLite says so better on connect
    os.close(descriptor)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the sqlite3 module: it would otherwise BEGIN (deferred)
    # on its own before DML and commit before DDL. SQLAlchemy's "begin" event emits ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    finally:
        cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_engine(url: URL) -> Engine:
    engine = sa.create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS,
            "application_name": "pagerd",
        },
    )
    _ping_idle_connections(engine, IDLE_PING_SECONDS)
    return engine


IDLE_PING_SECONDS = 1.0
"""A pooled PostgreSQL connection idle for longer is checked before use."""

_LAST_USED = "pagerd_last_used"


def _ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only if it sat idle for `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` checks every checkout: a round trip per unit of work, about
    a tenth of pagerd's work per alert on PostgreSQL. A connection returned moments ago was
    working moments ago; one that sat idle may have been closed by a restart or a proxy.
    A dead one is replaced before use (the pool's documented `DisconnectionError` retry), so
    after a database restart no request fails for a stale connection, except one that was
    busy a moment before the restart, as with any in-flight query.
    """

    def stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is not None and time.monotonic() - last_used < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection was dead: {exc}") from exc

    event.listen(engine.pool, "connect", stamp)
    event.listen(engine.pool, "checkin", stamp)
    event.listen(engine.pool, "checkout", check)


def connect(engine: Engine) -> Connection:
    """A pooled connection, or DatabaseUnavailable saying what to check."""
    try:
        return engine.connect()
    except DBAPIError as exc:
        raise unavailable(engine.url.render_as_string(hide_password=True), exc) from exc


def database_is_ready(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (for readiness probes)."""
    try:
        with connect(engine) as connection:
            connection.execute(sa.text("SELECT 1"))
    except (DatabaseUnavailable, DBAPIError):
        return False
    return True
