"""Heartbeat monitors and maintenance windows (a deadline, an end: each is its timer).

Revision ID: 0003_maint
Revises: 0002_incidents
Create Date: 2026-12-03

Written out in full (no imports from pagerd): a migration is history and must not change
when the code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_maint"
down_revision: str | None = "0002_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("ping_token", sa.String(64), nullable=False),
        _time("created_at"),
        _time("last_ping_at", nullable=True),
        _time("deadline_at", nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_heartbeats"),
        sa.ForeignKeyConstraint(
            ["monitored_service_id"],
            ["services.id"],
            name="fk_heartbeats_monitored_service_id_services",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("ping_token", name="uq_heartbeats_ping_token"),
        sa.UniqueConstraint(
            "monitored_service_id", "name", name="uq_heartbeats_monitored_service_id_name"
        ),
    )
    kept = sa.text("deadline_at IS NOT NULL")
    op.create_index(
        "ix_heartbeats_deadline",
        "heartbeats",
        ["deadline_at"],
        sqlite_where=kept,
        postgresql_where=kept,
    )
    _maintenance_windows()


def _maintenance_windows() -> None:
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
        _time("start_at"),
        _time("end_at"),
        sa.Column("reason", sa.Text(), nullable=True),
        _time("created_at"),
        _time("ended_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_windows"),
        sa.ForeignKeyConstraint(
            ["monitored_service_id"],
            ["services.id"],
            name="fk_maintenance_windows_monitored_service_id_services",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_maintenance_windows_monitored_service_id_end_at",
        "maintenance_windows",
        ["monitored_service_id", "end_at"],
    )
    pending = sa.text("ended_at IS NULL")
    op.create_index(
        "ix_maintenance_windows_end_pending",
        "maintenance_windows",
        ["end_at"],
        sqlite_where=pending,
        postgresql_where=pending,
    )


def downgrade() -> None:
    op.drop_index("ix_maintenance_windows_end_pending", table_name="maintenance_windows")
    op.drop_index(
        "ix_maintenance_windows_monitored_service_id_end_at", table_name="maintenance_windows"
    )
    op.drop_table("maintenance_windows")
    op.drop_index("ix_heartbeats_deadline", table_name="heartbeats")
    op.drop_table("heartbeats")
