"""Messages that follow their alert: the provider's reference of a sent page, and the edits
owed to sent messages (a Slack page edited once its alert is acknowledged or resolved).

Revision ID: 0004_channels
Revises: 0003_maint
Create Date: 2026-12-03

Written out in full (no imports from pagerd): a migration is history and must not change
when the code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_channels"
down_revision: str | None = "0003_maint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("notifications", sa.Column("message_ref", sa.String(200), nullable=True))
    op.create_table(
        "message_updates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("message_ref", sa.String(200), nullable=False),
        sa.Column("service_name", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("by", sa.Text(), nullable=True),
        _time("at"),
        _time("created_at"),
        _time("next_attempt_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("sent_at", nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        _time("lease_until", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_message_updates"),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name="fk_message_updates_alert_id_alerts",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_message_updates_status_next_attempt_at",
        "message_updates",
        ["status", "next_attempt_at"],
    )
    op.create_index("ix_message_updates_alert_id", "message_updates", ["alert_id"])


def downgrade() -> None:
    op.drop_index("ix_message_updates_alert_id", table_name="message_updates")
    op.drop_index("ix_message_updates_status_next_attempt_at", table_name="message_updates")
    op.drop_table("message_updates")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("message_ref")
