"""The state behind the in-memory unit of work, and the invariants a database would enforce."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pagerd.domain.accounts import ApiToken, ConsoleSession, User
from pagerd.domain.ack_code import AckCode
from pagerd.domain.alert import Alert
from pagerd.domain.audit import AuditEntry
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.heartbeat import Heartbeat
from pagerd.domain.maintenance import MaintenanceWindow
from pagerd.domain.message_update import MessageUpdate
from pagerd.domain.notification import Notification
from pagerd.domain.people import ContactMethod, NotificationRule
from pagerd.domain.policy import EscalationPolicy
from pagerd.domain.schedule import Override, Schedule
from pagerd.domain.service import MonitoredService
from pagerd.domain.test_message import TestMessage
from pagerd.domain.timer import AckTimer, RuleTimer
from pagerd.domain.worker_liveness import WorkerPresence
from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.service_layer.ports import TimelineEntry


@dataclass
class Lease:
    """Who holds a notification, and until when."""

    worker_id: str
    until: datetime


@dataclass
class StoreState:
    """Every table, as dictionaries. Copied whole at the start of each transaction."""

    services: dict[UUID, MonitoredService] = field(default_factory=dict)
    policies: dict[UUID, EscalationPolicy] = field(default_factory=dict)
    alerts: dict[UUID, Alert] = field(default_factory=dict)
    dedup_keys: dict[UUID, list[tuple[int, str]]] = field(default_factory=dict)
    timers: dict[UUID, AckTimer] = field(default_factory=dict)
    notifications: dict[UUID, Notification] = field(default_factory=dict)
    leases: dict[UUID, Lease] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    tokens: dict[UUID, ApiToken] = field(default_factory=dict)
    users: dict[UUID, User] = field(default_factory=dict)
    contact_methods: dict[UUID, ContactMethod] = field(default_factory=dict)
    notification_rules: dict[UUID, tuple[NotificationRule, ...]] = field(default_factory=dict)
    rule_timers: dict[UUID, RuleTimer] = field(default_factory=dict)
    test_messages: dict[UUID, TestMessage] = field(default_factory=dict)
    test_leases: dict[UUID, Lease] = field(default_factory=dict)
    message_updates: dict[UUID, MessageUpdate] = field(default_factory=dict)
    update_leases: dict[UUID, Lease] = field(default_factory=dict)
    sessions: dict[str, ConsoleSession] = field(default_factory=dict)
    audit_log: list[AuditEntry] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    dev_outbox: list[DevMessage] = field(default_factory=list)
    ack_codes: list[AckCode] = field(default_factory=list)
    retired_keys: dict[str, tuple[UUID, datetime]] = field(default_factory=dict)
    inbound_messages: dict[tuple[str, str], datetime] = field(default_factory=dict)
    pruned_at: dict[UUID, datetime] = field(default_factory=dict)
    schedules: dict[UUID, Schedule] = field(default_factory=dict)
    overrides: dict[UUID, Override] = field(default_factory=dict)
    calendar_tokens: dict[str, UUID] = field(default_factory=dict)
    heartbeats: dict[UUID, Heartbeat] = field(default_factory=dict)
    maintenance_windows: dict[UUID, MaintenanceWindow] = field(default_factory=dict)
    workers: dict[str, WorkerPresence] = field(default_factory=dict)

    def check_invariants(self) -> None:
        """Raise ConcurrencyConflict where a unique constraint of the schema would fail."""
        active = Counter(
            (a.monitored_service_id, a.incident_key)
            for a in self.alerts.values()
            if a.status.is_active
        )
        keys = Counter(
            (alert_id, key) for alert_id, held in self.dedup_keys.items() for _, key in held
        )
        timers = Counter(t.alert_id for t in self.timers.values())
        pages = Counter(
            (n.alert_id, n.level, n.pass_number, n.target_id) for n in self.notifications.values()
        )
        names = Counter(s.name for s in self.services.values())
        integration_keys = Counter(s.integration_key for s in self.services.values())
        usernames = Counter(u.name for u in self.users.values())
        emails = Counter(u.email for u in self.users.values() if u.email is not None)
        token_hashes = Counter(t.token_hash for t in self.tokens.values())
        rule_timers = Counter(
            (t.alert_id, t.level, t.pass_number, t.contact_method_id)
            for t in self.rule_timers.values()
        )
        schedule_names = Counter(s.name for s in self.schedules.values())
        heartbeat_names = Counter(
            (h.monitored_service_id, h.name) for h in self.heartbeats.values()
        )
        ping_tokens = Counter(h.ping_token for h in self.heartbeats.values())
        for counter, what in (
            (active, "one active alert per service (or per incident key)"),
            (keys, "a dedup key at most once per alert"),
            (timers, "one pending timer per alert"),
            (pages, "one notification per (alert, level, pass, target)"),
            (names, "unique service names"),
            (integration_keys, "unique integration keys"),
            (usernames, "unique user names"),
            (emails, "unique user e-mails"),
            (token_hashes, "unique token hashes"),
            (rule_timers, "one rule timer per (alert, level, pass, contact method)"),
            (schedule_names, "unique schedule names"),
            (heartbeat_names, "unique heartbeat names per service"),
            (ping_tokens, "unique heartbeat ping tokens"),
        ):
            if counter and counter.most_common(1)[0][1] > 1:
                raise ConcurrencyConflict(f"constraint violated: {what}")


class InMemoryStore:
    """Shared by every unit of work of one application; one writer at a time, like SQLite."""

    def __init__(self) -> None:
        self.state = StoreState()
        self.lock = threading.Lock()
