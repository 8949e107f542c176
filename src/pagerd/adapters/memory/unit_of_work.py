"""The in-memory unit of work: serializable transactions over a copy of the store."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from pagerd.adapters.handoff import handoff_of
from pagerd.adapters.memory.access import (
    InMemoryAuditLogRepository,
    InMemorySessionRepository,
    InMemoryUserRepository,
)
from pagerd.adapters.memory.accounts import (
    InMemoryAckCodeRepository,
    InMemoryDevOutboxRepository,
    InMemorySettingRepository,
    InMemoryTokenRepository,
)
from pagerd.adapters.memory.heartbeats import InMemoryHeartbeatRepository
from pagerd.adapters.memory.maintenance import InMemoryMaintenanceRepository
from pagerd.adapters.memory.message_updates import InMemoryMessageUpdateRepository
from pagerd.adapters.memory.people import (
    InMemoryContactMethodRepository,
    InMemoryNotificationRuleRepository,
    InMemoryRuleTimerRepository,
    InMemoryTestMessageRepository,
)
from pagerd.adapters.memory.repositories import (
    InMemoryAlertRepository,
    InMemoryNotificationRepository,
    InMemoryPolicyRepository,
    InMemoryServiceRepository,
    InMemoryTimelineRepository,
    InMemoryTimerRepository,
)
from pagerd.adapters.memory.retention import InMemoryRetentionRepository
from pagerd.adapters.memory.schedules import InMemoryScheduleRepository
from pagerd.adapters.memory.security import (
    InMemoryInboundMessageRepository,
    InMemoryRetiredKeyRepository,
)
from pagerd.adapters.memory.store import InMemoryStore, StoreState
from pagerd.adapters.memory.workers import InMemoryWorkerRepository
from pagerd.service_layer.paging import HandedPage, HandoffReceiver
from pagerd.service_layer.ports import (
    UnitOfWork,
    WorkSignal,
    bind_repositories,
    repository_table,
)

MEMORY_REPOSITORIES = repository_table(
    {
        "services": InMemoryServiceRepository,
        "policies": InMemoryPolicyRepository,
        "alerts": InMemoryAlertRepository,
        "timers": InMemoryTimerRepository,
        "outbox": InMemoryNotificationRepository,
        "timeline": InMemoryTimelineRepository,
        "tokens": InMemoryTokenRepository,
        "users": InMemoryUserRepository,
        "contact_methods": InMemoryContactMethodRepository,
        "notification_rules": InMemoryNotificationRuleRepository,
        "rule_timers": InMemoryRuleTimerRepository,
        "test_messages": InMemoryTestMessageRepository,
        "sessions": InMemorySessionRepository,
        "audit_log": InMemoryAuditLogRepository,
        "settings": InMemorySettingRepository,
        "dev_outbox": InMemoryDevOutboxRepository,
        "ack_codes": InMemoryAckCodeRepository,
        "retired_keys": InMemoryRetiredKeyRepository,
        "inbound_messages": InMemoryInboundMessageRepository,
        "retention": InMemoryRetentionRepository,
        "schedules": InMemoryScheduleRepository,
        "heartbeats": InMemoryHeartbeatRepository,
        "maintenance": InMemoryMaintenanceRepository,
        "message_updates": InMemoryMessageUpdateRepository,
        "workers": InMemoryWorkerRepository,
    }
)
"""Each repository of `Repositories`, in memory, built on the transaction's state."""


class InMemoryUnitOfWork(UnitOfWork):
    """One transaction at a time per store (a lock held from enter to exit), like SQLite's
    single writer; changes live in a private copy until `commit` checks the store's
    constraints and publishes them. Leaving without commit discards them.
    """

    def __init__(self, store: InMemoryStore, signal: WorkSignal | None = None) -> None:
        self.store = store
        self._signal = signal
        self._working = StoreState()
        self._bind(self._working)
        self._wrote_work = False
        self.handoff = handoff_of(signal)
        self._handing: list[tuple[HandoffReceiver, Sequence[HandedPage]]] = []

    def _bind(self, state: StoreState) -> None:
        self._working = state
        bind_repositories(self, MEMORY_REPOSITORIES, state)

    def __enter__(self) -> Self:
        self.store.lock.acquire()
        self._wrote_work = False
        self._handing = []
        self._bind(copy.deepcopy(self.store.state))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.store.lock.release()
        if self._wrote_work and self._signal is not None:
            self._signal.notify()

    def commit(self) -> None:
        """Publish the transaction's changes, or raise ConcurrencyConflict and publish nothing."""
        self._working.check_invariants()
        before = self.store.state
        self._wrote_work = self._wrote_work or (
            before.timers.keys() != self._working.timers.keys()
            or before.rule_timers.keys() != self._working.rule_timers.keys()
            or len(before.notifications) != len(self._working.notifications)
            or len(before.test_messages) != len(self._working.test_messages)
            or len(before.message_updates) != len(self._working.message_updates)
        )
        self.store.state = self._working
        self._bind(copy.deepcopy(self._working))
        handing, self._handing = self._handing, []
        for receiver, pages in handing:
            receiver.take(pages)

    def rollback(self) -> None:
        """Drop every change since the last commit."""
        self._handing = []
        self._bind(copy.deepcopy(self.store.state))

    def hand_off_after_commit(self, receiver: HandoffReceiver, pages: Sequence[HandedPage]) -> None:
        self._handing.append((receiver, pages))
