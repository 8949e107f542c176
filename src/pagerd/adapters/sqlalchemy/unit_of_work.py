"""The units of work on SQLAlchemy: one transaction per `with` block, one class per backend.

`SqlAlchemyUnitOfWork(engine, ...)` gives the engine's: `PostgresUnitOfWork` (a pooled
connection, a transaction of its own) or `SqliteUnitOfWork` (a turn in the process's group
commit). What they share (the repositories, the wake-ups, reporting what a commit made
durable) is the base class's; each backend only says how a transaction begins, commits,
rolls back and ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cached_property
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import Executable
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError

from pagerd.adapters.handoff import handoff_of
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
from pagerd.adapters.sqlalchemy.worker_repository import SqlWorkerRepository
from pagerd.service_layer.observability import Observer
from pagerd.service_layer.paging import HandedPage, HandoffReceiver
from pagerd.service_layer.ports import UnitOfWork, WorkSignal, bind_repositories, repository_table

WORK_CHANNEL = "pagerd_work"
"""PostgreSQL LISTEN/NOTIFY channel on which commits that wrote due work are announced."""

NOTIFY_SENDER = uuid.uuid4().hex
"""The payload of this process's NOTIFYs: its own listener ignores them, since the commit
already rang this process's workers directly (a second ring would cost them a cycle)."""

SQL_REPOSITORIES = repository_table(
    {
        "services": SqlServiceRepository,
        "policies": SqlPolicyRepository,
        "alerts": SqlAlertRepository,
        "timers": SqlTimerRepository,
        "outbox": SqlNotificationRepository,
        "timeline": SqlTimelineRepository,
        "tokens": SqlTokenRepository,
        "users": SqlUserRepository,
        "contact_methods": SqlContactMethodRepository,
        "notification_rules": SqlNotificationRuleRepository,
        "rule_timers": SqlRuleTimerRepository,
        "test_messages": SqlTestMessageRepository,
        "sessions": SqlSessionRepository,
        "audit_log": SqlAuditLogRepository,
        "settings": SqlSettingRepository,
        "dev_outbox": SqlDevOutboxRepository,
        "ack_codes": SqlAckCodeRepository,
        "retired_keys": SqlRetiredKeyRepository,
        "inbound_messages": SqlInboundMessageRepository,
        "retention": SqlRetentionRepository,
        "schedules": SqlScheduleRepository,
        "heartbeats": SqlHeartbeatRepository,
        "maintenance": SqlMaintenanceRepository,
        "message_updates": SqlMessageUpdateRepository,
        "workers": SqlWorkerRepository,
    }
)
"""Each repository of `Repositories`, on SQL, built on the transaction's session."""


class SqlAlchemyUnitOfWork(UnitOfWork):
    """Implements UnitOfWork on SQLite and PostgreSQL; calling it gives the engine's backend
    (`SqliteUnitOfWork` or `PostgresUnitOfWork`, as `pathlib.Path()` gives a PosixPath).

    Only `commit` commits; leaving without it rolls back, and leaving always gives the
    connection (or the turn) back. After a commit that wrote timers or notifications,
    `signal.notify()` wakes this process's workers (once the block is left). Lost races
    (unique or foreign-key violations, deadlocks, serialization failures, SQLite busy) raise
    ConcurrencyConflict. Timeline entries a commit made durable are reported to `observer`
    (the event log). One object serves one thread, one `with` at a time.
    """

    def __new__(cls, engine: Engine, *args: Any, **kwargs: Any) -> SqlAlchemyUnitOfWork:
        backend: type[SqlAlchemyUnitOfWork] = cls
        if cls is SqlAlchemyUnitOfWork:
            backend = SqliteUnitOfWork if engine.dialect.name == "sqlite" else PostgresUnitOfWork
        return super().__new__(backend)

    def __init__(
        self,
        engine: Engine,
        signal: WorkSignal | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.engine = engine
        self._signal = signal
        self._observer = observer
        self._session: Session | None = None
        self._committed_work = False
        # The process's dispatcher, if one registered, takes new pages in memory.
        self.handoff = handoff_of(signal)
        self._handing: list[tuple[HandoffReceiver, Sequence[HandedPage]]] = []

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in a transaction")
        self._committed_work = False
        self._handing = []
        self._bind(self._begin())
        return self

    def _bind(self, session: Session) -> None:
        self._session = session
        bind_repositories(self, SQL_REPOSITORIES, session)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        self._handing = []  # handed at commit, or never: the transaction did not commit
        self._end(clean=exc_type is None)
        if self._committed_work and self._signal is not None:
            self._signal.notify()

    def hand_off_after_commit(self, receiver: HandoffReceiver, pages: Sequence[HandedPage]) -> None:
        self._require()
        self._handing.append((receiver, pages))

    def commit(self) -> None:
        """Make the transaction's changes durable, or raise ConcurrencyConflict (nothing kept).

        Statements after a commit run in a new transaction of the same block.
        """
        session = self._require()
        try:
            self._commit(session)
        except BaseException:
            self._handing = []
            raise
        handing, self._handing = self._handing, []
        for receiver, pages in handing:  # durable now: the dispatcher may send them
            receiver.take(pages)
        self._committed_work = self._committed_work or session.wrote_work
        session.wrote_work = False
        # Only what is durable is reported: a rolled-back attempt (a lost race, retried)
        # never shows in the log.
        entries, session.history = session.history, []
        if entries and self._observer is not None:
            self._observer.alert_history_committed(entries)

    def rollback(self) -> None:
        """Drop every change since the last commit."""
        session = self._require()
        self._rollback()
        self._handing = []
        session.wrote_work = False
        session.history = []

    def _require(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work in a `with` block")
        return self._session

    # What each backend says: how a transaction begins (its session), commits durably,
    # rolls back, and ends when the block is left (`clean`: without an exception).

    def _begin(self) -> Session:
        raise NotImplementedError

    def _commit(self, session: Session) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _end(self, clean: bool) -> None:
        raise NotImplementedError


class PostgresUnitOfWork(SqlAlchemyUnitOfWork):
    """A connection checked out of the pool and a transaction of its own per block.

    A commit that wrote due work also sends `NOTIFY pagerd_work` in the same transaction,
    which wakes other processes' workers.
    """

    _connection: Connection | None = None

    def _begin(self) -> Session:
        connection = connect(self.engine)
        try:
            connection.begin()
        except DBAPIError as exc:
            connection.close()
            raise conflict_from(exc) or exc from exc
        self._connection = connection
        return Session(connection)

    def _commit(self, session: Session) -> None:
        if session.wrote_work:
            session.execute(sa.select(sa.func.pg_notify(WORK_CHANNEL, NOTIFY_SENDER)))
        try:
            self._open().commit()
        except DBAPIError as exc:
            raise conflict_from(exc) or exc from exc

    def _rollback(self) -> None:
        self._open().rollback()

    def _end(self, clean: bool) -> None:
        connection, self._connection = self._open(), None
        try:
            connection.rollback()
        finally:
            connection.close()

    def _open(self) -> Connection:
        assert self._connection is not None, "only inside a `with` block"
        return self._connection


class SqliteUnitOfWork(SqlAlchemyUnitOfWork):
    """A turn in the process's group commit (`group_commit.py`): the unit runs alone, in a
    savepoint of a `BEGIN IMMEDIATE` transaction it may share with the units just before
    and after it, and its `commit` returns once that transaction is durable. An `urgent`
    unit takes its turns ahead of ordinary ones and ends its group when leaving the turn.
    """

    _turn: _GroupSession | None = None

    @cached_property
    def _group(self) -> GroupCommitter:
        return group_committer_for(self.engine)  # shared by every unit of work of the engine

    def _begin(self) -> Session:
        self._turn = _GroupSession(self._group.join(self.urgent), self._group, self.urgent)
        return self._turn

    def _commit(self, session: Session) -> None:
        turn = self._joined()
        if turn.joined:
            turn.joined = False
            self._group.commit()

    def _rollback(self) -> None:
        if self._joined().joined:
            self._group.rollback_to_savepoint()

    def _end(self, clean: bool) -> None:
        turn, self._turn = self._joined(), None
        if turn.joined:
            self._group.abandon(raise_failure=clean)

    def _joined(self) -> _GroupSession:
        assert self._turn is not None, "only inside a `with` block"
        return self._turn


class _GroupSession(Session):
    """A session on SQLite's shared transaction: after a commit gave the turn away, the
    next statement of the same block takes a turn again (a new savepoint)."""

    def __init__(self, connection: Connection, group: GroupCommitter, urgent: bool) -> None:
        super().__init__(connection)
        self.group = group
        self.urgent = urgent
        self.joined = True

    def execute(self, statement: Executable, params: Any = None) -> CursorResult[Any]:
        if not self.joined:
            self.connection = self.group.join(self.urgent)
            self.joined = True
        return super().execute(statement, params)
