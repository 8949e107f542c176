"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (SQLAlchemy for SQLite and PostgreSQL, in-memory fakes shipped in
`pagerd.adapters.memory` and `pagerd.testing`). Repositories read and write; only the unit of
work commits. Lists use keyset pagination: `after` is the (created_at, id) of the last item
of the previous page.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Protocol, Self, TypeVar
from uuid import UUID

from pagerd.domain.accounts import ApiToken, ConsoleSession, User
from pagerd.domain.ack_code import AckCode
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.audit import AuditEntry
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.notification import Notification
from pagerd.domain.policy import EscalationPolicy
from pagerd.domain.rate_limit import RateLimit
from pagerd.domain.service import MonitoredService
from pagerd.domain.severity import Severity
from pagerd.domain.timer import AckTimer
from pagerd.service_layer.heartbeat_ports import HeartbeatRepository
from pagerd.service_layer.maintenance_ports import MaintenanceRepository
from pagerd.service_layer.message_update_ports import MessageUpdateRepository
from pagerd.service_layer.paging import HandedPage, HandoffReceiver, PageHandoff
from pagerd.service_layer.people_ports import (
    ContactMethodRepository,
    NotificationRuleRepository,
    RuleTimerRepository,
    TestMessageRepository,
)
from pagerd.service_layer.schedule_ports import ScheduleRepository
from pagerd.service_layer.worker_ports import WorkerRepository

Cursor = tuple[datetime, UUID]


class Clock(Protocol):
    """The current time, aware and in UTC. Tests move a fake one."""

    def now(self) -> datetime: ...


class WorkSignal(Protocol):
    """Wakes workers after a commit that wrote due work (timers or notifications)."""

    def notify(self) -> None: ...


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an alert's history, as stored: `type` and JSON-friendly `details`."""

    alert_id: UUID
    at: datetime
    type: str
    details: dict[str, Any] = field(default_factory=dict)


class ServiceRepository(Protocol):
    """Monitored services."""

    def add(self, service: MonitoredService) -> None: ...
    def get(self, service_id: UUID) -> MonitoredService | None: ...
    def get_for_update(self, service_id: UUID) -> MonitoredService | None:
        """Read and lock the row until commit: serializes the use cases of one service."""
        ...

    def get_by_integration_key(self, integration_key: str) -> MonitoredService | None: ...
    def get_by_name(self, name: str) -> MonitoredService | None: ...
    def update(self, service: MonitoredService) -> None: ...
    def delete(self, service_id: UUID) -> None: ...
    def list(self, limit: int, after: Cursor | None = None) -> list[MonitoredService]:
        """Oldest first."""
        ...


class PolicyRepository(Protocol):
    """Escalation policies, one per service: the escalation-policy source."""

    def get_for_service(self, service_id: UUID) -> EscalationPolicy | None: ...
    def save(self, policy: EscalationPolicy) -> None:
        """Insert, or replace the service's existing policy."""
        ...

    def delete_for_service(self, service_id: UUID) -> None: ...


class AlertRepository(Protocol):
    """Alerts, with their frozen plan and their first dedup keys (KEYS_SHOWN).

    At most one active (open or acknowledged) alert per service under `service` grouping,
    per (service, incident key) under `dedup_key` grouping. Writing an alert stores the keys
    it added and removed (`added_keys`, `removed_keys`) and drains them.
    """

    def add(self, alert: Alert) -> None: ...
    def add_many(self, alerts: Sequence[Alert]) -> None:
        """`add` each, the rows in one statement per table."""
        ...

    def update(self, alert: Alert) -> None: ...
    def update_many(self, alerts: Sequence[Alert]) -> None:
        """`update` for each alert, their rows in one statement where the store allows."""
        ...

    def get(self, alert_id: UUID) -> Alert | None: ...
    def get_for_update(self, alert_id: UUID) -> Alert | None: ...
    def get_many_for_update(self, alert_ids: Collection[UUID]) -> dict[UUID, Alert]:
        """Read and lock these alerts until commit, by id; an alert that is gone is left out.

        The rows are locked in id order, the order every use case locking several alerts
        keeps (two such use cases then never wait on each other in a cycle).
        """
        ...

    def get_active_for_service(self, service_id: UUID) -> Alert | None:
        """The service's open or acknowledged alert, if any (the oldest, when several)."""
        ...

    def get_active_for_service_for_update(self, service_id: UUID) -> Alert | None:
        """The service's active alert, read and locked until commit, in one statement.

        An alert that stopped being active while we waited for its lock (resolved and
        committed meanwhile) is not returned: it is checked again once locked.
        """
        ...

    def list_active_for_service_for_update(self, service_id: UUID) -> list[Alert]:
        """Every active alert of the service (several under `dedup_key` grouping), locked,
        in id order."""
        ...

    def held_keys(self, alert_id: UUID, keys: Collection[str]) -> set[str]:
        """Which of `keys` the alert holds: an index lookup per key, whatever it holds."""
        ...

    def active_holders(self, service_id: UUID, keys: Collection[str]) -> dict[str, UUID]:
        """For each of `keys` an active alert of the service holds, that alert's id."""
        ...

    def list_keys(
        self, alert_id: UUID, limit: int, after: int | None = None
    ) -> list[tuple[int, str]]:
        """The alert's (position, dedup key) in the order they joined, after `after`."""
        ...

    def count(self, status: AlertStatus) -> int: ...
    def count_escalation_ended(self) -> int:
        """Open alerts whose escalation ended (nobody is being paged)."""
        ...

    def list(
        self,
        limit: int,
        after: Cursor | None = None,
        status: AlertStatus | None = None,
        service_id: UUID | None = None,
        severity: Severity | None = None,
    ) -> list[Alert]:
        """Newest first."""
        ...

    def delete_for_service(self, service_id: UUID) -> None: ...


class TimerRepository(Protocol):
    """Acknowledgement timers; at most one pending per alert."""

    def arm(self, timer: AckTimer) -> None:
        """Insert, replacing any timer the alert still had (SQL: one upsert on alert_id)."""
        ...

    def cancel_for_alert(self, alert_id: UUID) -> None: ...
    def cancel_for_alerts(self, alert_ids: Collection[UUID]) -> None:
        """`cancel_for_alert` for each alert, in one statement."""
        ...

    def pending_for_alert(self, alert_id: UUID) -> AckTimer | None: ...
    def claim_due(self, now: datetime, limit: int) -> list[AckTimer]:
        """Up to `limit` due timers nobody else is firing, earliest first, in one statement.

        Each is locked until commit with its alert (PostgreSQL: timers or alerts another
        transaction holds are skipped, never waited for; SQLite: the transaction already
        holds the write lock). None due: an empty list.
        """
        ...

    def remove_fired(self, timer_ids: Collection[UUID]) -> set[UUID]:
        """Delete fired timers in one statement; return the ids it deleted.

        A timer already gone (fired and committed by another transaction) is not in the
        result: only the transaction whose delete removed a timer may fire it.
        """
        ...

    def next_due_at(self) -> datetime | None: ...
    def count(self) -> int: ...


class NotificationRepository(Protocol):
    """The outbox: pages owed, claimed by dispatchers under a lease."""

    def add(self, notification: Notification) -> None: ...
    def add_many(
        self,
        notifications: Sequence[Notification],
        worker_id: str | None = None,
        lease_until: datetime | None = None,
    ) -> None:
        """`add` each, in one statement (none: nothing is run); with `worker_id`, each is
        leased to that worker until `lease_until` as if it had claimed them."""
        ...

    def get(self, notification_id: UUID) -> Notification | None: ...
    def get_many(self, notification_ids: Collection[UUID]) -> dict[UUID, Notification]:
        """These notifications, by id, in one statement; one that is gone is left out."""
        ...

    def sent_messages_of(self, alert_ids: Collection[UUID]) -> list[Notification]:
        """These alerts' pages sent with a provider's message reference, in one statement."""
        ...

    def update(self, notification: Notification, release: bool = False) -> None:
        """Store the notification's state; with `release`, also drop its lease (in the same
        statement, as `release` would)."""
        ...

    def update_many(self, notifications: Sequence[Notification], release: bool = False) -> None:
        """`update` each, in this order, in one statement (none: nothing is run)."""
        ...

    def list_for_alert(self, alert_id: UUID) -> list[Notification]:
        """Oldest first."""
        ...

    def list_for_level(
        self, alert_id: UUID, level: int, pass_number: int
    ) -> list[Notification]: ...
    def cancel_pending_for_alert(self, alert_id: UUID) -> list[Notification]:
        """Cancel pending pages that no dispatcher holds; return them."""
        ...

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[Notification]:
        """Lease due pending pages (including ones whose lease expired) to `worker_id`."""
        ...

    def is_claimed_by(self, notification_id: UUID, worker_id: str) -> bool:
        """Whether `worker_id` still holds the lease it was given (compare-and-set guard)."""
        ...

    def release(self, notification_id: UUID) -> None:
        """Drop the lease (after recording an outcome, or on shutdown)."""
        ...

    def next_attempt_at(self) -> datetime | None:
        """When the earliest pending page becomes due."""
        ...

    def count_pending(self) -> int: ...


class TimelineRepository(Protocol):
    """Alert histories."""

    def append(self, entry: TimelineEntry) -> None: ...
    def append_many(self, entries: Sequence[TimelineEntry]) -> None:
        """`append` each, in this order, in one statement (none: nothing is run)."""
        ...

    def list_for_alert(self, alert_id: UUID) -> list[TimelineEntry]:
        """Oldest first, in insertion order for equal times."""
        ...


class TokenRepository(Protocol):
    """API tokens, looked up by the hash of the presented secret."""

    def add(self, token: ApiToken) -> None: ...
    def get_by_hash(self, token_hash: str) -> ApiToken | None: ...
    def get(self, token_id: UUID) -> ApiToken | None: ...
    def list(self) -> list[ApiToken]:
        """Oldest first, revoked ones included."""
        ...

    def update(self, token: ApiToken) -> None: ...


class UserRepository(Protocol):
    """Users; names are unique, and so are e-mail addresses (compared as stored: the use
    cases store them in lower case). Deleting a user deletes their tokens and sessions."""

    def add(self, user: User) -> None: ...
    def get_by_name(self, name: str) -> User | None: ...
    def get_by_email(self, email: str) -> User | None: ...
    def get(self, user_id: UUID) -> User | None: ...
    def get_for_update(self, user_id: UUID) -> User | None:
        """Read and lock the row until commit: serializes the use cases of one user."""
        ...

    def update(self, user: User) -> None: ...
    def delete(self, user_id: UUID) -> None: ...
    def list(self, limit: int, after: Cursor | None = None) -> list[User]:
        """Oldest first."""
        ...

    def count_enabled_admins(self) -> int:
        """How many users are admins and not disabled."""
        ...


class SessionRepository(Protocol):
    """Console sessions, found by the hash of the cookie's secret."""

    def add(self, session: ConsoleSession) -> None: ...
    def get(self, secret_hash: str) -> ConsoleSession | None: ...
    def delete(self, secret_hash: str) -> None: ...
    def delete_for_user(self, user_id: UUID) -> int:
        """End every session of the user; return how many there were."""
        ...

    def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None: ...


class AuditLogRepository(Protocol):
    """The audit log: append-only."""

    def add(self, entry: AuditEntry) -> None: ...
    def list(self, limit: int, after: Cursor | None = None) -> list[AuditEntry]:
        """Newest first."""
        ...


class SettingRepository(Protocol):
    """Small key-value settings kept in the database (for example the generated secret key)."""

    def get(self, key: str) -> str | None: ...
    def put_if_absent(self, key: str, value: str) -> str:
        """Store `value` unless the key exists; return the stored value either way."""
        ...


class DevOutboxRepository(Protocol):
    """Messages of the dev outbox."""

    def add(self, message: DevMessage) -> None: ...
    def list(self, limit: int, after: Cursor | None = None) -> list[DevMessage]:
        """Newest first."""
        ...


class RateBuckets(Protocol):
    """Rate-limit token buckets by key (see `domain.rate_limit`), shared by every process
    of the deployment. `blocking` says whether `take` does I/O (call it off the event loop)."""

    blocking: bool

    def take(self, key: str, limit: RateLimit, now: datetime, cost: int = 1) -> int | None:
        """Take `cost` tokens from `key`'s bucket: None when granted, else whole seconds to
        wait. A cost of 0 only checks that the bucket is not empty."""
        ...


class AckCodeRepository(Protocol):
    """Short codes that acknowledge an alert by SMS reply; unique among unexpired codes."""

    def add(self, code: AckCode) -> None: ...
    def find(self, code: str, now: datetime) -> AckCode | None:
        """The unexpired code, or None."""
        ...

    def find_for(self, alert_id: UUID, address: str, now: datetime) -> AckCode | None:
        """The unexpired code already issued to `address` for `alert_id`, to reuse it."""
        ...


class RetiredKeyRepository(Protocol):
    """Integration keys replaced by a rotation, each still accepted until it expires."""

    def retire(self, integration_key: str, service_id: UUID, expires_at: datetime) -> None: ...
    def service_id_for(self, integration_key: str, now: datetime) -> UUID | None:
        """The service whose unexpired retired key this is, or None."""
        ...

    def expiry_for_service(self, service_id: UUID, now: datetime) -> datetime | None:
        """When the service's last unexpired retired key stops working, or None."""
        ...

    def delete_expired(self, now: datetime) -> None: ...


class InboundMessageRepository(Protocol):
    """Ids of messages received from providers (Twilio's MessageSid), to ignore replays."""

    def seen(self, provider: str, message_id: str) -> bool: ...
    def remember(self, provider: str, message_id: str, now: datetime) -> None:
        """Record the id (again is a no-op)."""
        ...

    def delete_before(self, cutoff: datetime) -> None: ...


class RetentionRepository(Protocol):
    """The history of resolved alerts (pages, timeline entries, ack codes), pruned once it
    is older than the retention. The alert rows themselves stay."""

    def alerts_to_prune(self, resolved_before: datetime, limit: int) -> list[UUID]:
        """Up to `limit` alerts resolved before `resolved_before` and not yet marked pruned,
        earliest resolved first. On PostgreSQL they are locked until commit, skipping alerts
        another transaction holds."""
        ...

    def delete_history(self, alert_ids: Collection[UUID], limit: int) -> int:
        """Delete at most `limit` rows of these alerts' pages, timeline entries and ack
        codes, in that order; return how many were deleted (fewer than `limit`: none left)."""
        ...

    def mark_pruned(self, alert_ids: Collection[UUID], at: datetime) -> None:
        """Note that these alerts' history is gone; `alerts_to_prune` skips them from now."""
        ...


class Repositories:
    """Every repository a unit of work offers, declared once.

    The `UnitOfWork` port inherits this list, and so do the SQL units of work and the
    in-memory one through it: an adapter gives a `repository_table` (name to its
    implementation) and `bind_repositories` sets them; a name missing from a table, or one
    not declared here, fails at import.
    """

    services: ServiceRepository
    policies: PolicyRepository
    alerts: AlertRepository
    timers: TimerRepository
    outbox: NotificationRepository
    timeline: TimelineRepository
    tokens: TokenRepository
    users: UserRepository
    contact_methods: ContactMethodRepository
    notification_rules: NotificationRuleRepository
    rule_timers: RuleTimerRepository
    test_messages: TestMessageRepository
    sessions: SessionRepository
    audit_log: AuditLogRepository
    settings: SettingRepository
    dev_outbox: DevOutboxRepository
    ack_codes: AckCodeRepository
    retired_keys: RetiredKeyRepository
    inbound_messages: InboundMessageRepository
    retention: RetentionRepository
    schedules: ScheduleRepository
    heartbeats: HeartbeatRepository
    maintenance: MaintenanceRepository
    message_updates: MessageUpdateRepository
    workers: WorkerRepository


REPOSITORY_NAMES: Final = tuple(Repositories.__annotations__)
"""The attributes of `Repositories`, in declaration order."""

C = TypeVar("C")


def repository_table(
    factories: Mapping[str, Callable[[C], object]],
) -> dict[str, Callable[[C], object]]:
    """`factories` (repository name to what builds it from the transaction's context, a
    session or a store state), checked against `REPOSITORY_NAMES`: ValueError naming the
    missing and unknown names."""
    missing = [name for name in REPOSITORY_NAMES if name not in factories]
    unknown = sorted(set(factories) - set(REPOSITORY_NAMES))
    if missing or unknown:
        raise ValueError(f"repository table: missing {missing}, unknown {unknown}")
    return {name: factories[name] for name in REPOSITORY_NAMES}


def bind_repositories(
    unit: Repositories, table: Mapping[str, Callable[[C], object]], context: C
) -> None:
    """Give `unit` a new repository of each name in `table`, built on `context`."""
    for name, build in table.items():
        setattr(unit, name, build(context))


class UnitOfWork(Repositories, ABC):
    """One transaction. Entering begins it; leaving without `commit` rolls it back.

    The same object may be entered again (sequentially) for a new transaction. Adapters
    raise ConcurrencyConflict when a race is lost, from any repository call or from commit.
    Unlike the other ports a base class, not a Protocol: its implementations inherit the
    one declaration of the repositories (`Repositories`).
    """

    urgent: bool = False
    """A hint that this unit's transactions carry pages already promised (the dispatcher's
    claims and records): an adapter that runs transactions one at a time may run them ahead
    of others waiting. It never changes what a transaction does."""

    handoff: PageHandoff | None = None
    """The dispatcher of this process that takes new pages in memory, when one registered
    (see `service_layer/handoff.py`); None: new pages wait for a dispatcher's claim."""

    def hand_off_after_commit(self, receiver: HandoffReceiver, pages: Sequence[HandedPage]) -> None:
        """Give `pages` (leased to `receiver` in this transaction) to `receiver` once the
        transaction is durably committed; forgotten if it is rolled back instead."""
        raise NotImplementedError("this unit of work hands no page off")

    @abstractmethod
    def __enter__(self) -> Self: ...
    @abstractmethod
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    @abstractmethod
    def commit(self) -> None: ...
    @abstractmethod
    def rollback(self) -> None: ...
