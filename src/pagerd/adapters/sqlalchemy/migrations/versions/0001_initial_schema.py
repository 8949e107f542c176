"""The initial schema: services, policies, alerts, timers, the outbox, timelines, accounts.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Written out in full (no imports from pagerd): a migration is history and must not change
when the code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('open', 'acknowledged')")
PENDING = sa.text("status = 'pending'")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, nullable: bool = False) -> sa.Column[object]:
    kind = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def _serial() -> sa.Column[object]:
    kind = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column("id", kind, autoincrement=True, nullable=False)


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=f"fk_{owner}_{column}_{table}", ondelete="CASCADE"
    )


def upgrade() -> None:
    _accounts()
    _services()
    _alerts()
    _queues()


def _accounts() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        _time("created_at"),
        _time("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )
    op.create_table(
        "dev_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Uuid(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_dev_outbox"),
    )
    op.create_index("ix_dev_outbox_created_at_id", "dev_outbox", ["created_at", "id"])


def _services() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("integration_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
        sa.UniqueConstraint("integration_key", name="uq_services_integration_key"),
        sa.UniqueConstraint("name", name="uq_services_name"),
    )
    op.create_index("ix_services_created_at_id", "services", ["created_at", "id"])
    op.create_table(
        "escalation_policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        _json("levels"),
        _fk("monitored_service_id", "services", "escalation_policies"),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_policies"),
        sa.UniqueConstraint(
            "monitored_service_id", name="uq_escalation_policies_monitored_service_id"
        ),
    )


def _alerts() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("pass_number", sa.Integer(), nullable=False),
        _json("plan", nullable=True),
        _time("created_at"),
        _time("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.Text(), nullable=True),
        _time("resolved_at", nullable=True),
        _fk("monitored_service_id", "services", "alerts"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_created_at_id", "alerts", ["created_at", "id"])
    op.create_index(
        "ix_alerts_monitored_service_id_created_at_id",
        "alerts",
        ["monitored_service_id", "created_at", "id"],
    )
    op.create_index("ix_alerts_status_created_at_id", "alerts", ["status", "created_at", "id"])
    op.create_index(
        "uq_alerts_one_active_per_service",
        "alerts",
        ["monitored_service_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "alert_dedup_keys",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        _fk("alert_id", "alerts", "alert_dedup_keys"),
        sa.PrimaryKeyConstraint("alert_id", "position", name="pk_alert_dedup_keys"),
    )
    op.create_index(
        "ix_alert_dedup_keys_monitored_service_id_dedup_key",
        "alert_dedup_keys",
        ["monitored_service_id", "dedup_key"],
    )
    op.create_table(
        "timeline_entries",
        _serial(),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        _time("at"),
        sa.Column("type", sa.String(64), nullable=False),
        _json("details"),
        _fk("alert_id", "alerts", "timeline_entries"),
        sa.PrimaryKeyConstraint("id", name="pk_timeline_entries"),
    )
    op.create_index(
        "ix_timeline_entries_alert_id_at_id", "timeline_entries", ["alert_id", "at", "id"]
    )
    op.create_table(
        "ack_codes",
        _serial(),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        _fk("alert_id", "alerts", "ack_codes"),
        sa.PrimaryKeyConstraint("id", name="pk_ack_codes"),
    )
    op.create_index("ix_ack_codes_alert_id_address", "ack_codes", ["alert_id", "address"])
    op.create_index("ix_ack_codes_code_expires_at", "ack_codes", ["code", "expires_at"])


def _queues() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("pass_number", sa.Integer(), nullable=False),
        _time("due_at"),
        _fk("alert_id", "alerts", "timers"),
        sa.PrimaryKeyConstraint("id", name="pk_timers"),
        sa.UniqueConstraint("alert_id", name="uq_timers_alert_id"),
    )
    op.create_index("ix_timers_due_at_id", "timers", ["due_at", "id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("pass_number", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        _time("created_at"),
        _time("next_attempt_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("sent_at", nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        _time("lease_until", nullable=True),
        _fk("alert_id", "alerts", "notifications"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint(
            "alert_id",
            "level",
            "pass_number",
            "target_id",
            name="uq_notifications_alert_id_level_pass_number_target_id",
        ),
    )
    op.create_index(
        "ix_notifications_alert_id_created_at_id", "notifications", ["alert_id", "created_at", "id"]
    )
    op.create_index(
        "ix_notifications_due_pending",
        "notifications",
        ["next_attempt_at", "created_at", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    for table in (
        "notifications",
        "timers",
        "ack_codes",
        "timeline_entries",
        "alert_dedup_keys",
        "alerts",
        "escalation_policies",
        "services",
        "dev_outbox",
        "settings",
        "users",
        "api_tokens",
    ):
        op.drop_table(table)  # its indexes go with it
