"""Retention: alerts note when their history was pruned; an index lists what is left to do.

Revision ID: 0002_engine
Revises: 0001
Create Date: 2026-12-03

Written out in full (no imports from pagerd): a migration is history and must not change
when the code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_engine"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TO_PRUNE = sa.text("status = 'resolved' AND pruned_at IS NULL")


def upgrade() -> None:
    op.add_column("alerts", sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_alerts_retention",
        "alerts",
        ["resolved_at"],
        sqlite_where=TO_PRUNE,
        postgresql_where=TO_PRUNE,
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_retention", table_name="alerts")
    op.drop_column("alerts", "pruned_at")
