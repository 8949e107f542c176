"""Schema migrations, run from code: no ini file is needed at run time.

`pagerd serve` and `pagerd migrate` call `upgrade_to_head`. Several processes starting at
once on one PostgreSQL database are safe: each migrates under an advisory lock, and the
ones that come second find the schema at head. On SQLite, `BEGIN IMMEDIATE` serializes them.

A database already at head is recognised without Alembic (reading `alembic_version` and the
revision ids of the shipped migration files): importing Alembic and loading its scripts was a
fifth of `pagerd serve`'s start-up, and a pagerd restarting on its own database has nothing to
migrate. Anything else (a fresh database, an older schema, several heads) goes to Alembic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pagerd.adapters.sqlalchemy.engine import connect, create_engine_for, require_sqlite_directory

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "pagerd.adapters.sqlalchemy:migrations"
_MIGRATION_LOCK_ID = 0x70616765  # "page": one advisory lock id, the same in every process


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # only when migrating: see the module's docstring

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
        head = shipped_head()
        if head is not None and _stored_revisions(connection) == [head]:
            return
        from alembic import command

        command.upgrade(_config(connection), "head")


def upgrade_to(url: str, revision: str) -> None:
    """Apply migrations up to `revision` only: to test a later one on an older schema's data."""
    from alembic import command

    with _migration_connection(url) as connection:
        command.upgrade(_config(connection), revision)


def downgrade_to_base(url: str) -> None:
    """Undo every migration: drops pagerd's tables and their data. For tests and tooling."""
    from alembic import command

    with _migration_connection(url) as connection:
        command.downgrade(_config(connection), "base")


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with _migration_connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this version of pagerd ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the package ships at least the initial migration
    return head


_REVISION = re.compile(r"^revision: str = \"([^\"]+)\"$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision: str \| None = (?:\"([^\"]+)\"|None)$", re.MULTILINE)


@cache
def shipped_head() -> str | None:
    """The newest shipped revision, read from the migration files' `revision` and
    `down_revision` lines without Alembic; None when that is not one clear answer (a file
    in another form, several heads), and then Alembic decides.
    `head_revision()` is the same answer through Alembic (a test compares them)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    versions = resources.files("pagerd.adapters.sqlalchemy") / "migrations" / "versions"
    for entry in versions.iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("_"):
            continue
        text = entry.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revisions(connection: Connection) -> list[str]:
    """The revisions `alembic_version` holds ([] without the table: a new database)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return []
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
    return [row[0] for row in rows]
