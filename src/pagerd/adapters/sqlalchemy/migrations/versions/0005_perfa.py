"""Worker liveness rows, and an index of the rows under a lease, so that the claims of a dead
worker come back at once instead of waiting out their lease.

Revision ID: 0005_perfa
Revises: 0004_channels
Create Date: 2026-12-03

Written out in full (no imports from pagerd): a migration is history and must not change
when the code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_perfa"
down_revision: str | None = "0004_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LEASED = ("notifications", "test_messages", "message_updates")


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("host", sa.String(300), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in _LEASED:
        held = sa.text("lease_owner IS NOT NULL")
        op.create_index(
            f"ix_{table}_lease_owner",
            table,
            ["lease_owner"],
            sqlite_where=held,
            postgresql_where=held,
        )


def downgrade() -> None:
    for table in _LEASED:
        op.drop_index(f"ix_{table}_lease_owner", table_name=table)
    op.drop_table("workers")
