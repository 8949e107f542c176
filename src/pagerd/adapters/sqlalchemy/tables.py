"""The schema: every table the ports need, with the invariants as constraints.

The database, not only the code, keeps pagerd's promises:
- at most one open or acknowledged alert per service under `service` grouping, and per
  (service, dedup key) under `dedup_key` grouping (two partial unique indexes, told apart by
  `incident_key`, which is NULL under `service` grouping);
- a dedup key at most once per alert;
- at most one notification per (alert, level, pass, target);
- at most one pending timer per alert;
- unique service names, integration keys, usernames and token hashes.
Migrations (`migrations/versions`) must produce exactly this schema; a test compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.types import UtcDateTime, json_type, serial_type

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ACTIVE_STATUSES = ("open", "acknowledged")


def _id(name: str = "id") -> sa.Column[object]:
    return sa.Column(name, sa.Uuid(), primary_key=True)


def _ref(table: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", ondelete="CASCADE")


services = sa.Table(
    "services",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("integration_key", sa.String(64), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("incident_grouping", sa.String(16), nullable=False, server_default="service"),
    sa.Column("paging_severity", sa.String(16), nullable=False, server_default="info"),
    sa.Index(None, "created_at", "id"),
)

policies = sa.Table(
    "escalation_policies",
    metadata,
    _id(),
    sa.Column("monitored_service_id", sa.Uuid(), _ref("services"), nullable=False, unique=True),
    sa.Column("repeat", sa.Integer(), nullable=False),
    sa.Column("levels", json_type(), nullable=False),
)

alerts = sa.Table(
    "alerts",
    metadata,
    _id(),
    sa.Column("monitored_service_id", sa.Uuid(), _ref("services"), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("level", sa.Integer(), nullable=True),
    sa.Column("pass_number", sa.Integer(), nullable=False),
    sa.Column("plan", json_type(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
    sa.Column("acknowledged_by", sa.Text(), nullable=True),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.Column("severity", sa.String(16), nullable=False, server_default="critical"),
    sa.Column("source", sa.Text(), nullable=True),
    sa.Column("details", json_type(), nullable=True),
    sa.Column("links", json_type(), nullable=True),
    sa.Column("incident_key", sa.Text(), nullable=True),
    sa.Column("dedup_key_count", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("dedup_key_seq", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("escalation_ended_at", UtcDateTime(), nullable=True),
    sa.Index(None, "created_at", "id"),
    sa.Index(None, "status", "created_at", "id"),
    sa.Index(None, "monitored_service_id", "created_at", "id"),
    sa.Index(None, "severity", "created_at", "id"),
)

# The invariant behind "never page twice": one incident slot per service (`service`
# grouping), or per service and dedup key (`dedup_key` grouping). Partial unique indexes
# exist on both backends with the same WHERE syntax.
_active = alerts.c.status.in_(ACTIVE_STATUSES)
_per_service = sa.and_(_active, alerts.c.incident_key.is_(None))
_per_key = sa.and_(_active, alerts.c.incident_key.is_not(None))
sa.Index(
    "uq_alerts_one_active_per_service",
    alerts.c.monitored_service_id,
    unique=True,
    sqlite_where=_per_service,
    postgresql_where=_per_service,
)
sa.Index(
    "uq_alerts_one_active_per_incident_key",
    alerts.c.monitored_service_id,
    alerts.c.incident_key,
    unique=True,
    sqlite_where=_per_key,
    postgresql_where=_per_key,
)

alert_dedup_keys = sa.Table(
    "alert_dedup_keys",
    metadata,
    sa.Column("alert_id", sa.Uuid(), _ref("alerts"), primary_key=True),
    sa.Column("position", sa.Integer(), primary_key=True),
    sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
    sa.Column("dedup_key", sa.Text(), nullable=False),
    sa.Index(None, "monitored_service_id", "dedup_key"),
    # Whether an incident holds a key is one index lookup, whatever its number of keys.
    sa.Index("uq_alert_dedup_keys_alert_id_dedup_key", "alert_id", "dedup_key", unique=True),
)

timers = sa.Table(
    "timers",
    metadata,
    _id(),
    sa.Column("alert_id", sa.Uuid(), _ref("alerts"), nullable=False, unique=True),
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Column("pass_number", sa.Integer(), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=False),
    sa.Index(None, "due_at", "id"),
)

notifications = sa.Table(
    "notifications",
    metadata,
    _id(),
    sa.Column("alert_id", sa.Uuid(), _ref("alerts"), nullable=False),
    sa.Column("monitored_service_id", sa.Uuid(), nullable=False),
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Column("pass_number", sa.Integer(), nullable=False),
    sa.Column("target_id", sa.Uuid(), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    sa.Column("lease_until", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("alert_id", "level", "pass_number", "target_id"),
    sa.Index(None, "alert_id", "created_at", "id"),
)

# The dispatchers' queue: only pending rows are indexed, so sent history costs nothing.
_pending = notifications.c.status == "pending"
sa.Index(
    "ix_notifications_due_pending",
    notifications.c.next_attempt_at,
    notifications.c.created_at,
    notifications.c.id,
    sqlite_where=_pending,
    postgresql_where=_pending,
)

timeline = sa.Table(
    "timeline_entries",
    metadata,
    sa.Column("id", serial_type(), primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.Uuid(), _ref("alerts"), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("details", json_type(), nullable=False),
    sa.Index(None, "alert_id", "at", "id"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _id(),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("username", sa.String(200), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)

dev_outbox = sa.Table(
    "dev_outbox",
    metadata,
    _id(),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("subject", sa.Text(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("idempotency_key", sa.Uuid(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index(None, "created_at", "id"),
)

ack_codes = sa.Table(
    "ack_codes",
    metadata,
    sa.Column("id", serial_type(), primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("alert_id", sa.Uuid(), _ref("alerts"), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index(None, "code", "expires_at"),
    sa.Index(None, "alert_id", "address"),
)
