"""Schema migrations, run from code: no ini file is needed at run time.

`pagerd serve` and `pagerd migrate` call `upgrade_to_head`. Several processes starting at
once on one PostgreSQL database are safe: each migrates under an advisory lock, and the
ones that come second find the schema at head. On SQLite, `BEGIN IMMEDIATE` serializes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from pagerd.adapters.sqlalchemy.engine import connect, create_engine_for, require_sqlite_directory

SCRIPT_LOCATION = "pagerd.adapters.sqlalchemy:migrations"
_MIGRATION_LOCK_ID = 0x70616765  # "page": one advisory lock id, the same in every process


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_connection(url: str) -> Iterator[Connection]:
    engine = create_engine_for(url)
    try:
        with connect(engine) as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK_ID)))
            yield connection
    finally:
        engine.dispose()


def upgrade_to_head(url: str) -> None:
    """Apply every pending migration, in one transaction. Idempotent."""
    require_sqlite_directory(url)
    with _migration_connection(url) as connection:
        command.upgrade(_config(connection), "head")


def upgrade_to(url: str, revision: str) -> None:
    """Apply migrations up to `revision` only: to test a later one on an older schema's data."""
    with _migration_connection(url) as connection:
        command.upgrade(_config(connection), revision)


def downgrade_to_base(url: str) -> None:
    """Undo every migration: drops pagerd's tables and their data. For tests and tooling."""
    with _migration_connection(url) as connection:
        command.downgrade(_config(connection), "base")


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with _migration_connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this version of pagerd ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the package ships at least the initial migration
    return head
