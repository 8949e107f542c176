"""Incidents: severity, source, details and links on alerts; grouping and paging severity on
services; one active incident per dedup key under `dedup_key` grouping; key counts.

Revision ID: 0002_incidents
Revises: 0002_sec
Create Date: 2026-12-03

Written out in full (no imports from pagerd): a migration is history and must not change
when the code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_incidents"
down_revision: str | None = "0002_sec"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PER_SERVICE = sa.text("status IN ('open', 'acknowledged') AND incident_key IS NULL")
PER_KEY = sa.text("status IN ('open', 'acknowledged') AND incident_key IS NOT NULL")
ACTIVE = sa.text("status IN ('open', 'acknowledged')")


def _json(name: str) -> sa.Column[object]:
    kind = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    return sa.Column(name, kind, nullable=True)


def upgrade() -> None:
    op.add_column(
        "services",
        sa.Column("incident_grouping", sa.String(16), nullable=False, server_default="service"),
    )
    op.add_column(
        "services",
        sa.Column("paging_severity", sa.String(16), nullable=False, server_default="info"),
    )
    op.add_column(
        "alerts",
        sa.Column("severity", sa.String(16), nullable=False, server_default="critical"),
    )
    op.add_column("alerts", sa.Column("source", sa.Text(), nullable=True))
    op.add_column("alerts", _json("details"))
    op.add_column("alerts", _json("links"))
    op.add_column("alerts", sa.Column("incident_key", sa.Text(), nullable=True))
    op.add_column(
        "alerts", sa.Column("dedup_key_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "alerts", sa.Column("dedup_key_seq", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "alerts", sa.Column("escalation_ended_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE alerts SET "
        "dedup_key_count = (SELECT count(*) FROM alert_dedup_keys k WHERE k.alert_id = alerts.id),"
        " dedup_key_seq = (SELECT coalesce(max(k.position) + 1, 0) FROM alert_dedup_keys k"
        " WHERE k.alert_id = alerts.id)"
    )
    op.create_index("ix_alerts_severity_created_at_id", "alerts", ["severity", "created_at", "id"])
    op.drop_index("uq_alerts_one_active_per_service", table_name="alerts")
    op.create_index(
        "uq_alerts_one_active_per_service",
        "alerts",
        ["monitored_service_id"],
        unique=True,
        sqlite_where=PER_SERVICE,
        postgresql_where=PER_SERVICE,
    )
    op.create_index(
        "uq_alerts_one_active_per_incident_key",
        "alerts",
        ["monitored_service_id", "incident_key"],
        unique=True,
        sqlite_where=PER_KEY,
        postgresql_where=PER_KEY,
    )
    op.create_index(
        "uq_alert_dedup_keys_alert_id_dedup_key",
        "alert_dedup_keys",
        ["alert_id", "dedup_key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_alert_dedup_keys_alert_id_dedup_key", table_name="alert_dedup_keys")
    op.drop_index("uq_alerts_one_active_per_incident_key", table_name="alerts")
    op.drop_index("uq_alerts_one_active_per_service", table_name="alerts")
    # The old schema holds one active alert per service: incidents of `dedup_key` grouping
    # are resolved (kept, not deleted) so that the old invariant can be put back.
    op.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = CURRENT_TIMESTAMP"
        " WHERE incident_key IS NOT NULL AND status IN ('open', 'acknowledged')"
    )
    op.create_index(
        "uq_alerts_one_active_per_service",
        "alerts",
        ["monitored_service_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.drop_index("ix_alerts_severity_created_at_id", table_name="alerts")
    for column in (
        "escalation_ended_at",
        "dedup_key_seq",
        "dedup_key_count",
        "incident_key",
        "links",
        "details",
        "source",
        "severity",
    ):
        op.drop_column("alerts", column)
    op.drop_column("services", "paging_severity")
    op.drop_column("services", "incident_grouping")
