"""Users with roles, tokens that belong to users, console sessions as rows, the audit log.

Revision ID: 0002_access
Revises: 0002_engine
Create Date: 2026-12-03

Existing users become enabled admins in UTC (they could do everything before); existing
tokens keep no user, which makes them admin tokens. Written out in full (no imports from
pagerd): a migration is history and must not change when the code does. `api_tokens` goes
through batch mode (SQLite copies the table to add a foreign key; nothing refers to it);
`users` is only changed in place (see `_users`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_access"
down_revision: str | None = "0002_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str) -> sa.Column[object]:
    kind = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    return sa.Column(name, kind, nullable=True)


def upgrade() -> None:
    _users()
    _tokens()
    op.create_table(
        "console_sessions",
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        sa.PrimaryKeyConstraint("secret_hash", name="pk_console_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_console_sessions_user_id_users",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        _time("created_at"),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=True),
        _json("before"),
        _json("after"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_created_at_id", "audit_log", ["created_at", "id"])


def _users() -> None:
    # No batch mode (which copies the table on SQLite): with foreign keys on, dropping the
    # old copy of a table others refer to would cascade into them. Every change here is one
    # SQLite can make in place. Existing users become admins; new columns default to the
    # least: a viewer, UTC, enabled.
    op.add_column("users", sa.Column("email", sa.String(320), nullable=True))
    op.add_column(
        "users", sa.Column("role", sa.String(16), nullable=False, server_default="viewer")
    )
    op.execute("UPDATE users SET role = 'admin'")
    op.add_column(
        "users", sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC")
    )
    op.add_column(
        "users", sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_index("uq_users_email", "users", ["email"], unique=True)
    op.create_index("ix_users_created_at_id", "users", ["created_at", "id"])


def _tokens() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("user_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            "fk_api_tokens_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("console_sessions")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("fk_api_tokens_user_id_users", type_="foreignkey")
        batch.drop_column("user_id")
    op.drop_index("ix_users_created_at_id", table_name="users")
    op.drop_index("uq_users_email", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
        batch.drop_column("time_zone")
        batch.drop_column("role")
        batch.drop_column("email")
