"""Migrations build exactly the schema `tables.metadata` declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pagerd.adapters.sqlalchemy import (
    SqlAlchemyUnitOfWork,
    create_engine_for,
    current_revision,
    downgrade_to_base,
    head_revision,
    upgrade_to_head,
)
from pagerd.adapters.sqlalchemy.migrate import shipped_head, upgrade_to
from pagerd.adapters.sqlalchemy.tables import metadata
from pagerd.domain.roles import Actor, Role
from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.service_layer.tokens import hash_token, token_actor
from tests.integration.conftest import T0, alert, at, service


def _differences(url: str) -> list[Any]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _partial_indexes(url: str) -> dict[str, str]:
    """Name to WHERE clause of every partial index the database has."""
    engine = create_engine_for(url)
    found = {}
    try:
        inspector = sa.inspect(engine)
        for table in inspector.get_table_names():
            for index in inspector.get_indexes(table):
                options = index.get("dialect_options", {})
                where = options.get("sqlite_where", options.get("postgresql_where"))
                if where is not None:
                    found[str(index["name"])] = str(where)
    finally:
        engine.dispose()
    return found


def test_an_empty_database_is_at_no_revision(database_url: str) -> None:
    assert current_revision(database_url) is None


def test_upgrading_an_empty_database_gives_exactly_the_declared_schema(database_url: str) -> None:
    upgrade_to_head(database_url)

    assert current_revision(database_url) == head_revision()
    assert _differences(database_url) == []


def test_the_migrated_schema_keeps_the_partial_indexes(database_url: str) -> None:
    upgrade_to_head(database_url)

    partial = _partial_indexes(database_url)

    assert set(partial) == {
        "uq_alerts_one_active_per_service",
        "uq_alerts_one_active_per_incident_key",
        "ix_notifications_due_pending",
        "ix_alerts_retention",
        "ix_heartbeats_deadline",
        "ix_maintenance_windows_end_pending",
        "ix_notifications_lease_owner",
        "ix_test_messages_lease_owner",
        "ix_message_updates_lease_owner",
    }
    assert "lease_owner is not null" in partial["ix_notifications_lease_owner"].lower()
    assert "deadline_at" in partial["ix_heartbeats_deadline"]
    assert "acknowledged" in partial["uq_alerts_one_active_per_service"]
    assert "is null" in partial["uq_alerts_one_active_per_service"].lower()
    assert "is not null" in partial["uq_alerts_one_active_per_incident_key"].lower()
    assert "pending" in partial["ix_notifications_due_pending"]
    assert "pruned_at" in partial["ix_alerts_retention"]


def test_the_migrated_schema_refuses_a_second_active_alert(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = create_engine_for(database_url)
    s = service()
    first = alert(s.id)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.services.add(s)
        uow.alerts.add(first)
        uow.commit()

    with pytest.raises(ConcurrencyConflict), SqlAlchemyUnitOfWork(engine) as uow:
        uow.alerts.add(alert(s.id, at(1)))
    engine.dispose()


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)

    assert current_revision(database_url) == head_revision()
    assert _differences(database_url) == []


def test_downgrading_to_base_then_upgrading_again_rebuilds_the_schema(database_url: str) -> None:
    upgrade_to_head(database_url)

    downgrade_to_base(database_url)
    engine = create_engine_for(database_url)
    left = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    upgrade_to_head(database_url)

    assert left == set()
    assert current_revision(database_url) == head_revision()
    assert _differences(database_url) == []


def test_the_migrations_are_resources_of_the_package() -> None:
    migrations = resources.files("pagerd.adapters.sqlalchemy").joinpath("migrations")

    assert migrations.joinpath("env.py").is_file()
    assert migrations.joinpath("script.py.mako").is_file()
    versions = [entry.name for entry in migrations.joinpath("versions").iterdir()]
    assert "0001_initial_schema.py" in versions
    assert any(name.startswith(f"{head_revision()}") for name in versions)


def test_a_new_sqlite_database_and_its_wal_files_are_private_to_their_owner(
    tmp_path: Path,
) -> None:
    import os
    import stat

    old_umask = os.umask(0o022)  # the usual umask, which makes files world-readable
    try:
        path = tmp_path / "private.db"
        upgrade_to_head(f"sqlite:///{path}")
        engine = create_engine_for(f"sqlite:///{path}")
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM services").all()
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("private.db*")}
        engine.dispose()
    finally:
        os.umask(old_umask)

    assert {"private.db", "private.db-wal", "private.db-shm"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes


def _insert_0001_account_rows(url: str, user_id: UUID, token_secret: str) -> None:
    """A console user and an API token as revision 0001 stored them."""
    at = sa.bindparam("at", type_=sa.DateTime(timezone=True))
    ident = sa.bindparam("id", type_=sa.Uuid())
    engine = create_engine_for(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, username, password_hash, created_at) "
                "VALUES (:id, 'alice', '$argon2id$old', :at)"
            ).bindparams(ident, at),
            {"id": user_id, "at": T0},
        )
        connection.execute(
            sa.text(
                "INSERT INTO api_tokens (id, name, token_hash, created_at) "
                "VALUES (:id, 'ci', :hash, :at)"
            ).bindparams(ident, at),
            {"id": uuid4(), "hash": hash_token(token_secret), "at": T0},
        )
    engine.dispose()


def test_users_and_tokens_from_before_roles_become_admins_and_keep_working(
    database_url: str,
) -> None:
    upgrade_to(database_url, "0001")
    user_id = uuid4()
    _insert_0001_account_rows(database_url, user_id, "old-secret")

    upgrade_to_head(database_url)

    engine = create_engine_for(database_url)
    with SqlAlchemyUnitOfWork(engine) as uow:
        alice = uow.users.get(user_id)
    actor = token_actor(SqlAlchemyUnitOfWork(engine), "old-secret")
    engine.dispose()
    assert alice is not None
    assert (alice.name, alice.role, alice.time_zone) == ("alice", Role.ADMIN, "UTC")
    assert (alice.disabled, alice.email, alice.password_hash) == (False, None, "$argon2id$old")
    assert actor == Actor("token ci", Role.ADMIN)


def test_the_head_read_from_the_files_is_alembics() -> None:
    """`upgrade_to_head` recognises a database at head without Alembic, by the revision ids
    in the migration files: they must name the head Alembic would."""
    assert shipped_head() == head_revision()


def test_a_database_one_revision_behind_is_still_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade_to(url, "0004_channels")
    upgrade_to_head(url)
    assert current_revision(url) == head_revision()
    assert _differences(url) == []
