"""In-memory message updates (edits owed to sent messages), with leases."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import Lease, StoreState
from pagerd.domain.message_update import MessageUpdate


class InMemoryMessageUpdateRepository:
    """Implements MessageUpdateRepository on the store's state."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add_many(self, updates: Sequence[MessageUpdate]) -> None:
        for update in updates:
            self._s.message_updates[update.id] = copy.deepcopy(update)

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[MessageUpdate]:
        leases = self._s.update_leases
        due = [
            u
            for u in self._s.message_updates.values()
            if u.is_pending
            and u.next_attempt_at <= now
            and (u.id not in leases or leases[u.id].until <= now)
        ]
        claimed = sorted(due, key=lambda u: (u.next_attempt_at, str(u.id)))[:limit]
        for update in claimed:
            leases[update.id] = Lease(worker_id, lease_until)
        return copy.deepcopy(claimed)

    def get_many(self, update_ids: Collection[UUID]) -> dict[UUID, MessageUpdate]:
        found = self._s.message_updates
        return {i: copy.deepcopy(found[i]) for i in set(update_ids) if i in found}

    def update_many(self, updates: Sequence[MessageUpdate]) -> None:
        for update in updates:
            self._s.message_updates[update.id] = copy.deepcopy(update)
            self._s.update_leases.pop(update.id, None)

    def release(self, update_id: UUID, worker_id: str) -> None:
        lease = self._s.update_leases.get(update_id)
        if lease is not None and lease.worker_id == worker_id:
            del self._s.update_leases[update_id]

    def list_for_alert(self, alert_id: UUID) -> list[MessageUpdate]:
        found = [u for u in self._s.message_updates.values() if u.alert_id == alert_id]
        return copy.deepcopy(sorted(found, key=lambda u: (u.created_at, str(u.id))))

    def next_attempt_at(self) -> datetime | None:
        pending = [u.next_attempt_at for u in self._s.message_updates.values() if u.is_pending]
        return min(pending, default=None)
