"""Errors of the database layer that entry points catch, and the mapping of driver errors.

`InvalidDatabaseUrl` and `DatabaseUnavailable` say what to do about it, for a person.
`conflict_from` decides which driver errors are lost races (ConcurrencyConflict: run the use
case again) and which are bugs or outages (left alone).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from pagerd.service_layer.errors import ConcurrencyConflict

# PostgreSQL SQLSTATEs of a lost race: unique and foreign-key violations (another transaction
# inserted or deleted the row first), serialization failure, deadlock, lock not available.
_PG_RACE_STATES = {"23505", "23503", "40001", "40P01", "55P03"}
# SQLite result codes of a lost race: a unique key or a parent row taken or gone, or the
# database locked by another writer past the busy timeout.
_SQLITE_RACE_CODES = {
    "SQLITE_CONSTRAINT_UNIQUE",
    "SQLITE_CONSTRAINT_PRIMARYKEY",
    "SQLITE_CONSTRAINT_FOREIGNKEY",
    "SQLITE_BUSY",
    "SQLITE_BUSY_SNAPSHOT",
    "SQLITE_BUSY_RECOVERY",
    "SQLITE_LOCKED",
    "SQLITE_LOCKED_SHAREDCACHE",
}


class InvalidDatabaseUrl(ValueError):
    """PAGERD_DATABASE_URL is not a URL pagerd can use."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says what to check."""


def conflict_from(error: DBAPIError) -> ConcurrencyConflict | None:
    """The ConcurrencyConflict a driver error stands for, or None when it is no lost race."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    sqlite_code = getattr(orig, "sqlite_errorname", None)
    if sqlstate in _PG_RACE_STATES or sqlite_code in _SQLITE_RACE_CODES:
        return ConcurrencyConflict(f"lost a race in the database: {orig}")
    return None


def unavailable(url_text: str, error: Exception) -> DatabaseUnavailable:
    """A DatabaseUnavailable for a failed connection, naming the database without password."""
    return DatabaseUnavailable(
        f"cannot open the database {url_text}: {error}. Check PAGERD_DATABASE_URL, that the "
        "database server runs and accepts connections, or that the SQLite file's directory "
        "exists and is writable."
    )
