"""What the repositories of one transaction share: the connection, the dialect, the error
mapping, and whether due work (timers, notifications) was written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Select
from sqlalchemy.engine import Connection, CursorResult, RowMapping
from sqlalchemy.exc import DBAPIError

from pagerd.adapters.sqlalchemy.errors import conflict_from, unavailable
from pagerd.service_layer.ports import TimelineEntry


class Session:
    """One open transaction. `execute` turns lost races into ConcurrencyConflict."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.is_postgres = connection.dialect.name == "postgresql"
        self.wrote_work = False
        # Timeline entries written since the last commit, reported once they are durable.
        self.history: list[TimelineEntry] = []

    def execute(self, statement: Executable, params: Any = None) -> CursorResult[Any]:
        """Run a statement in the transaction; a lost race raises ConcurrencyConflict."""
        try:
            return self.connection.execute(statement, params)
        except DBAPIError as exc:
            conflict = conflict_from(exc)
            if conflict is not None:
                raise conflict from exc
            if exc.connection_invalidated:  # the server went away mid-transaction
                url = self.connection.engine.url.render_as_string(hide_password=True)
                raise unavailable(url, exc) from exc
            raise

    def one_or_none(self, statement: Executable, params: Any = None) -> RowMapping | None:
        """The single row a query selects (its bind parameters from `params`), or None."""
        return self.execute(statement, params).mappings().one_or_none()

    def all(self, statement: Executable, params: Any = None) -> list[RowMapping]:
        """Every row a statement returns (its bind parameters from `params`), as mappings."""
        return list(self.execute(statement, params).mappings().all())

    def for_update(self, statement: Select[Any]) -> Select[Any]:
        """`statement` locking its rows until commit on PostgreSQL.

        SQLite needs no row locks: its transactions begin IMMEDIATE, holding the database's
        single write lock from the first statement.
        """
        return statement.with_for_update() if self.is_postgres else statement

    def pick(self, statement: Select[Any], locking: Select[Any]) -> Select[Any]:
        """Of two prebuilt statements, `locking` (its FOR UPDATE form) on PostgreSQL.

        The prebuilt form of `for_update`: both statements are built once, at import, so
        their cache keys are computed once.
        """
        return locking if self.is_postgres else statement
