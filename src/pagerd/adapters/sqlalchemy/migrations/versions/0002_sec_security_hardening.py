"""Security hardening: retired integration keys (rotation), handled inbound message ids
(replays), shared rate-limit buckets.

Revision ID: 0002_sec
Revises: 0002_people
Create Date: 2026-12-03

Written out in full (no imports from pagerd): a migration is history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_sec"
down_revision: str | None = "0002_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "retired_integration_keys",
        sa.Column("integration_key", sa.String(64), nullable=False),
        sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
        _time("expires_at"),
        sa.ForeignKeyConstraint(
            ["monitored_service_id"],
            ["services.id"],
            name="fk_retired_integration_keys_monitored_service_id_services",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("integration_key", name="pk_retired_integration_keys"),
    )
    op.create_index(
        "ix_retired_integration_keys_monitored_service_id",
        "retired_integration_keys",
        ["monitored_service_id"],
    )
    op.create_table(
        "inbound_messages",
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        _time("received_at"),
        sa.PrimaryKeyConstraint("provider", "message_id", name="pk_inbound_messages"),
    )
    op.create_index("ix_inbound_messages_received_at", "inbound_messages", ["received_at"])
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        _time("updated_at"),
        _time("full_at"),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_buckets"),
        # Not WAL-logged on PostgreSQL: cheaper writes; a crash only refills the buckets.
        prefixes=["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else [],
    )
    op.create_index("ix_rate_buckets_full_at", "rate_buckets", ["full_at"])


def downgrade() -> None:
    op.drop_table("rate_buckets")
    op.drop_table("inbound_messages")
    op.drop_table("retired_integration_keys")
