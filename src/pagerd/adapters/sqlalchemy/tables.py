"""The schema: every table the ports need, with the invariants as constraints.

The database, not only the code, keeps pagerd's promises:
- at most one open or acknowledged alert per service under `service` grouping, and per
  (service, dedup key) under `dedup_key` grouping (two partial unique indexes, told apart by
  `incident_key`, which is NULL under `service` grouping);
- a dedup key at most once per alert;
- at most one notification per (alert, level, pass, target);
- at most one pending timer per alert, one rule timer per (alert, level, pass, method);
- unique service names, integration keys, user names and e-mails, and token hashes.
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
    # When retention deleted the alert's pages, timeline entries and ack codes (None: kept).
    sa.Column("pruned_at", UtcDateTime(), nullable=True),
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

# The retention duty's work list: resolved alerts whose history is still kept. Pruned ones
# leave the index, so it stays as small as what is left to do.
_to_prune = sa.and_(alerts.c.status == "resolved", alerts.c.pruned_at.is_(None))
sa.Index(
    "ix_alerts_retention",
    alerts.c.resolved_at,
    sqlite_where=_to_prune,
    postgresql_where=_to_prune,
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

# Test messages to contact methods: a small outbox of its own (they belong to no alert),
# claimed under a lease like pages.
test_messages = sa.Table(
    "test_messages",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), _ref("users"), nullable=False),
    sa.Column("contact_method_id", sa.Uuid(), _ref("contact_methods"), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    sa.Column("lease_until", UtcDateTime(), nullable=True),
    sa.Index(None, "status", "next_attempt_at"),
)

message_updates = sa.Table(
    "message_updates",
    metadata,
    _id(),
    sa.Column("alert_id", sa.Uuid(), _ref("alerts"), nullable=False),
    sa.Column("notification_id", sa.Uuid(), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("message_ref", sa.String(200), nullable=False),
    sa.Column("service_name", sa.String(200), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("by", sa.Text(), nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    sa.Column("lease_until", UtcDateTime(), nullable=True),
    sa.Index(None, "status", "next_attempt_at"),
    sa.Index(None, "alert_id"),
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
    sa.Column("user_id", sa.Uuid(), nullable=True),
    # The provider's reference to the message sent (Slack: channel/ts), stored with `sent`.
    sa.Column("message_ref", sa.String(200), nullable=True),
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

# Rows under a lease, for returning the claims of dead workers: few at any time, however
# long the history.
for _leased in (notifications, test_messages, message_updates):
    _held = _leased.c.lease_owner.is_not(None)
    sa.Index(
        f"ix_{_leased.name}_lease_owner",
        _leased.c.lease_owner,
        sqlite_where=_held,
        postgresql_where=_held,
    )

# One row per running worker process, refreshed every few seconds and removed on a clean
# shutdown: the claims of a worker without a row, or with a stale one, come back at once.
workers = sa.Table(
    "workers",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("host", sa.String(300), nullable=False),
    sa.Column("pid", sa.Integer(), nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen", UtcDateTime(), nullable=False),
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
    # The user the token acts as; NULL for tokens made before tokens had users (admins).
    sa.Column("user_id", sa.Uuid(), _ref("users"), nullable=True, index=True),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    # The user's unique name (`name` in the API), which they sign in with.
    sa.Column("username", sa.String(200), nullable=False, unique=True),
    # The argon2 hash; '' for a user without a password (the column predates such users,
    # and SQLite cannot relax NOT NULL without copying the table).
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("role", sa.String(16), nullable=False, server_default="viewer"),
    sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Index("uq_users_email", "email", unique=True),
    sa.Index(None, "created_at", "id"),
)

# A console session is a row: deleting it signs the browser out on its next request.
console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("secret_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Uuid(), _ref("users"), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
)

# No foreign key to users: the log outlives the people and things it names.
audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("actor_id", sa.Uuid(), nullable=True),
    sa.Column("actor_name", sa.Text(), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=True),
    sa.Column("before", json_type(), nullable=True),
    sa.Column("after", json_type(), nullable=True),
    sa.Index(None, "created_at", "id"),
)

contact_methods = sa.Table(
    "contact_methods",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), _ref("users"), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index(None, "user_id", "created_at", "id"),
)

notification_rules = sa.Table(
    "notification_rules",
    metadata,
    sa.Column("user_id", sa.Uuid(), _ref("users"), primary_key=True),
    sa.Column("contact_method_id", sa.Uuid(), _ref("contact_methods"), primary_key=True),
    sa.Column("delay_minutes", sa.Integer(), primary_key=True),
)

# A user's later rules: one row per (alert, level, pass, contact method), so a method is
# never planned twice for one level; deleted when it fires, in the same transaction.
rule_timers = sa.Table(
    "rule_timers",
    metadata,
    _id(),
    sa.Column("alert_id", sa.Uuid(), _ref("alerts"), nullable=False),
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Column("pass_number", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Uuid(), _ref("users"), nullable=False),
    sa.Column("contact_method_id", sa.Uuid(), _ref("contact_methods"), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("alert_id", "level", "pass_number", "contact_method_id"),
    sa.Index(None, "due_at", "id"),
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

# An integration key replaced by a rotation keeps working until `expires_at` (the overlap).
retired_integration_keys = sa.Table(
    "retired_integration_keys",
    metadata,
    sa.Column("integration_key", sa.String(64), primary_key=True),
    sa.Column("monitored_service_id", sa.Uuid(), _ref("services"), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index(None, "monitored_service_id"),
)

# Provider message ids already handled (Twilio's MessageSid), so a replay changes nothing.
# `received_at` is indexed so that old rows are deleted by range.
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("provider", sa.String(32), primary_key=True),
    sa.Column("message_id", sa.String(128), primary_key=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Index(None, "received_at"),
)

# Rate-limit token buckets shared by every process on PostgreSQL (UNLOGGED there, made so by
# the migration: a crash only refills them). `full_at` is when a bucket is full again: rows
# past it hold nothing worth keeping and are deleted by range.
rate_buckets = sa.Table(
    "rate_buckets",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("tokens", sa.Float(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("full_at", UtcDateTime(), nullable=False),
    sa.Column("granted", sa.Boolean(), nullable=False),
    sa.Index(None, "full_at"),
)

# On-call schedules. Layers are stored with their schedule (a PUT replaces them whole).
# Participants and override users are not foreign keys: a deleted user's shifts stay in
# place and show as gaps, as the schedule's maths expects.
schedules = sa.Table(
    "schedules",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("layers", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index(None, "created_at", "id"),
)

schedule_overrides = sa.Table(
    "schedule_overrides",
    metadata,
    _id(),
    sa.Column("schedule_id", sa.Uuid(), _ref("schedules"), nullable=False),
    sa.Column("user_id", sa.Uuid(), nullable=False),
    sa.Column("start_at", UtcDateTime(), nullable=False),
    sa.Column("end_at", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index(None, "schedule_id", "start_at"),
)

# A user's calendar of shifts is published at a secret URL; only the token's hash is kept.
calendar_feeds = sa.Table(
    "calendar_feeds",
    metadata,
    sa.Column("user_id", sa.Uuid(), primary_key=True),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

# Heartbeat monitors. `deadline_at` is the monitor's timer (NULL while late: one miss, one
# alert); the partial index holds only the pending deadlines the heartbeat duty looks at.
heartbeats = sa.Table(
    "heartbeats",
    metadata,
    _id(),
    sa.Column("monitored_service_id", sa.Uuid(), _ref("services"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("interval_seconds", sa.Integer(), nullable=False),
    sa.Column("grace_seconds", sa.Integer(), nullable=False),
    sa.Column("ping_token", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_ping_at", UtcDateTime(), nullable=True),
    sa.Column("deadline_at", UtcDateTime(), nullable=True),
    sa.Column("late", sa.Boolean(), nullable=False),
    sa.UniqueConstraint("monitored_service_id", "name"),
)
_deadline_kept = heartbeats.c.deadline_at.is_not(None)
sa.Index(
    "ix_heartbeats_deadline",
    heartbeats.c.deadline_at,
    sqlite_where=_deadline_kept,
    postgresql_where=_deadline_kept,
)

# Maintenance windows. The end is the window's timer: `ended_at` is NULL until the engine
# has acted on it; the partial index holds only the ends still to act on.
maintenance_windows = sa.Table(
    "maintenance_windows",
    metadata,
    _id(),
    sa.Column("monitored_service_id", sa.Uuid(), _ref("services"), nullable=False),
    sa.Column("start_at", UtcDateTime(), nullable=False),
    sa.Column("end_at", UtcDateTime(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    sa.Index(None, "monitored_service_id", "end_at"),
)
_end_pending = maintenance_windows.c.ended_at.is_(None)
sa.Index(
    "ix_maintenance_windows_end_pending",
    maintenance_windows.c.end_at,
    sqlite_where=_end_pending,
    postgresql_where=_end_pending,
)
