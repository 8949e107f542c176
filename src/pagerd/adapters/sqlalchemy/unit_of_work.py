"""The unit of work on SQLAlchemy: one connection and one transaction per `with` block."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import Executable
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError

from pagerd.adapters.sqlalchemy.access_repositories import (
    SqlAuditLogRepository,
    SqlSessionRepository,
    SqlUserRepository,
)
from pagerd.adapters.sqlalchemy.account_repositories import (
    SqlAckCodeRepository,
    SqlDevOutboxRepository,
    SqlSettingRepository,
    SqlTokenRepository,
)
from pagerd.adapters.sqlalchemy.alert_repositories import (
    SqlAlertRepository,
    SqlTimelineRepository,
)
from pagerd.adapters.sqlalchemy.engine import connect
from pagerd.adapters.sqlalchemy.errors import conflict_from
from pagerd.adapters.sqlalchemy.group_commit import GroupCommitter, group_committer_for
from pagerd.adapters.sqlalchemy.heartbeat_repository import SqlHeartbeatRepository
from pagerd.adapters.sqlalchemy.maintenance_repository import SqlMaintenanceRepository
from pagerd.adapters.sqlalchemy.message_update_repository import SqlMessageUpdateRepository
from pagerd.adapters.sqlalchemy.people_repositories import (
    SqlContactMethodRepository,
    SqlNotificationRuleRepository,
    SqlRuleTimerRepository,
    SqlTestMessageRepository,
)
from pagerd.adapters.sqlalchemy.queue_repositories import (
    SqlNotificationRepository,
    SqlTimerRepository,
)
from pagerd.adapters.sqlalchemy.retention_repository import SqlRetentionRepository
from pagerd.adapters.sqlalchemy.schedule_repositories import SqlScheduleRepository
from pagerd.adapters.sqlalchemy.security_repositories import (
    SqlInboundMessageRepository,
    SqlRetiredKeyRepository,
)
from pagerd.adapters.sqlalchemy.service_repositories import (
    SqlPolicyRepository,
    SqlServiceRepository,
)
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.service_layer.heartbeat_ports import HeartbeatRepository
from pagerd.service_layer.maintenance_ports import MaintenanceRepository
from pagerd.service_layer.message_update_ports import MessageUpdateRepository
from pagerd.service_layer.observability import Observer
from pagerd.service_layer.people_ports import (
    ContactMethodRepository,
    NotificationRuleRepository,
    RuleTimerRepository,
    TestMessageRepository,
)
from pagerd.service_layer.ports import (
    AckCodeRepository,
    AlertRepository,
    AuditLogRepository,
    DevOutboxRepository,
    InboundMessageRepository,
    NotificationRepository,
    PolicyRepository,
    RetentionRepository,
    RetiredKeyRepository,
    ServiceRepository,
    SessionRepository,
    SettingRepository,
    TimelineRepository,
    TimerRepository,
    TokenRepository,
    UserRepository,
    WorkSignal,
)
from pagerd.service_layer.schedule_ports import ScheduleRepository

WORK_CHANNEL = "pagerd_work"
"""PostgreSQL LISTEN/NOTIFY channel on which commits that wrote due work are announced."""

NOTIFY_SENDER = uuid.uuid4().hex
"""The payload of this process's NOTIFYs: its own listener ignores them, since the commit
already rang this process's workers directly (a second ring would cost them a cycle)."""


class SqlAlchemyUnitOfWork:
    """Implements UnitOfWork on SQLite and PostgreSQL.

    On PostgreSQL, entering checks a connection out of the pool and begins a transaction.
    On SQLite, entering joins the process's group commit (`group_commit.py`): the unit runs
    alone, in a savepoint of a `BEGIN IMMEDIATE` transaction it may share with the units
    just before and after it, and its `commit` returns once that transaction is durable.
    Only `commit` commits; leaving without it rolls back, and leaving always returns the
    connection (or the turn). After a commit that
    wrote timers or notifications, `signal.notify()` wakes this process's workers and, on
    PostgreSQL, a `NOTIFY pagerd_work` sent in the same transaction wakes other processes'.
    Lost races (unique or foreign-key violations, deadlocks, serialization failures, SQLite
    busy) raise ConcurrencyConflict. Timeline entries a commit made durable are reported to
    `observer` (the event log). One object serves one thread, one `with` at a time.
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
    message_updates: MessageUpdateRepository
    maintenance: MaintenanceRepository

    def __init__(
        self,
        engine: Engine,
        signal: WorkSignal | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.engine = engine
        self._signal = signal
        self._observer = observer
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._committed_work = False
        self._group: GroupCommitter | None = None
        if engine.dialect.name == "sqlite":
            self._group = group_committer_for(engine)

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already in a transaction")
        if self._group is not None:
            return self._enter_group(self._group)
        connection = connect(self.engine)
        try:
            connection.begin()
        except DBAPIError as exc:
            connection.close()
            raise conflict_from(exc) or exc from exc
        self._connection = connection
        self._committed_work = False
        self._bind(Session(connection))
        return self

    def _enter_group(self, group: GroupCommitter) -> Self:
        self._connection = group.join()
        self._committed_work = False
        self._bind(_GroupSession(self._connection, group))
        return self

    def _bind(self, session: Session) -> None:
        self._session = session
        self.services = SqlServiceRepository(session)
        self.policies = SqlPolicyRepository(session)
        self.alerts = SqlAlertRepository(session)
        self.timers = SqlTimerRepository(session)
        self.outbox = SqlNotificationRepository(session)
        self.timeline = SqlTimelineRepository(session)
        self.tokens = SqlTokenRepository(session)
        self.users = SqlUserRepository(session)
        self.contact_methods = SqlContactMethodRepository(session)
        self.notification_rules = SqlNotificationRuleRepository(session)
        self.rule_timers = SqlRuleTimerRepository(session)
        self.test_messages = SqlTestMessageRepository(session)
        self.sessions = SqlSessionRepository(session)
        self.audit_log = SqlAuditLogRepository(session)
        self.settings = SqlSettingRepository(session)
        self.dev_outbox = SqlDevOutboxRepository(session)
        self.ack_codes = SqlAckCodeRepository(session)
        self.retired_keys = SqlRetiredKeyRepository(session)
        self.inbound_messages = SqlInboundMessageRepository(session)
        self.retention = SqlRetentionRepository(session)
        self.schedules = SqlScheduleRepository(session)
        self.heartbeats = SqlHeartbeatRepository(session)
        self.maintenance = SqlMaintenanceRepository(session)
        self.message_updates = SqlMessageUpdateRepository(session)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, session = self._connection, self._session
        self._connection, self._session = None, None
        if connection is None:
            return
        if isinstance(session, _GroupSession):
            if session.joined:
                session.group.abandon(raise_failure=exc_type is None)
        else:
            try:
                connection.rollback()
            finally:
                connection.close()
        if self._committed_work and self._signal is not None:
            self._signal.notify()

    def commit(self) -> None:
        """Make the transaction's changes durable, or raise ConcurrencyConflict (nothing kept).

        Statements after a commit run in a new transaction of the same block.
        """
        connection, session = self._require()
        if isinstance(session, _GroupSession):
            if session.joined:
                session.joined = False
                session.group.commit()
            self._committed_work = self._committed_work or session.wrote_work
            session.wrote_work = False
            self._report_history(session)
            return
        if session.wrote_work and session.is_postgres:
            session.execute(sa.select(sa.func.pg_notify(WORK_CHANNEL, NOTIFY_SENDER)))
        try:
            connection.commit()
        except DBAPIError as exc:
            raise conflict_from(exc) or exc from exc
        self._committed_work = self._committed_work or session.wrote_work
        session.wrote_work = False
        self._report_history(session)

    def _report_history(self, session: Session) -> None:
        # Only what is durable is reported: a rolled-back attempt (a lost race, retried)
        # never shows in the log.
        entries, session.history = session.history, []
        if entries and self._observer is not None:
            self._observer.alert_history_committed(entries)

    def rollback(self) -> None:
        """Drop every change since the last commit."""
        connection, session = self._require()
        if isinstance(session, _GroupSession):
            if session.joined:
                session.group.rollback_to_savepoint()
        else:
            connection.rollback()
        session.wrote_work = False
        session.history = []

    def _require(self) -> tuple[Connection, Session]:
        if self._connection is None or self._session is None:
            raise RuntimeError("use the unit of work in a `with` block")
        return self._connection, self._session


class _GroupSession(Session):
    """A session on SQLite's shared transaction: after a commit gave the turn away, the
    next statement of the same block takes a turn again (a new savepoint)."""

    def __init__(self, connection: Connection, group: GroupCommitter) -> None:
        super().__init__(connection)
        self.group = group
        self.joined = True

    def execute(self, statement: Executable, params: Any = None) -> CursorResult[Any]:
        if not self.joined:
            self.connection = self.group.join()
            self.joined = True
        return super().execute(statement, params)
