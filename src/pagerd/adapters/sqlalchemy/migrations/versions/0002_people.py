"""People: contact methods, notification rules and their timers, test messages; the user a
page went to.

Revision ID: 0002_people
Revises: 0002_sched
Create Date: 2026-12-03

Written out in full (no imports from pagerd): a migration is history and must not change
when the code does. Adding a nullable column, or one with a server default, needs no table
rewrite on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_people"
down_revision: str | None = "0002_sched"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=f"fk_{owner}_{column}_{table}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.add_column("notifications", sa.Column("user_id", sa.Uuid(), nullable=True))
    op.create_table(
        "contact_methods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        _time("created_at"),
        _fk("user_id", "users", "contact_methods"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_methods"),
    )
    op.create_index(
        "ix_contact_methods_user_id_created_at_id",
        "contact_methods",
        ["user_id", "created_at", "id"],
    )
    op.create_table(
        "notification_rules",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("contact_method_id", sa.Uuid(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        _fk("user_id", "users", "notification_rules"),
        _fk("contact_method_id", "contact_methods", "notification_rules"),
        sa.PrimaryKeyConstraint(
            "user_id", "contact_method_id", "delay_minutes", name="pk_notification_rules"
        ),
    )
    op.create_table(
        "rule_timers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("pass_number", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("contact_method_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        _time("due_at"),
        _fk("alert_id", "alerts", "rule_timers"),
        _fk("user_id", "users", "rule_timers"),
        _fk("contact_method_id", "contact_methods", "rule_timers"),
        sa.PrimaryKeyConstraint("id", name="pk_rule_timers"),
        sa.UniqueConstraint(
            "alert_id",
            "level",
            "pass_number",
            "contact_method_id",
            name="uq_rule_timers_alert_id_level_pass_number_contact_method_id",
        ),
    )
    op.create_index("ix_rule_timers_due_at_id", "rule_timers", ["due_at", "id"])
    op.create_table(
        "test_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("contact_method_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        _time("created_at"),
        _time("next_attempt_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        _fk("user_id", "users", "test_messages"),
        _fk("contact_method_id", "contact_methods", "test_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_test_messages"),
    )
    op.create_index(
        "ix_test_messages_status_next_attempt_at", "test_messages", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    for table in ("test_messages", "rule_timers", "notification_rules", "contact_methods"):
        op.drop_table(table)  # its indexes go with it
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("user_id")
