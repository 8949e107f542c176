"""In-memory worker liveness rows, and the return of orphaned claims."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import Lease, StoreState
from pagerd.domain.worker_liveness import WorkerPresence


class InMemoryWorkerRepository:
    """Implements WorkerRepository over the in-memory store (one writer at a time already)."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def hold_registry(self) -> None:
        return None

    def save(self, worker: WorkerPresence) -> None:
        self._s.workers[worker.id] = worker

    def list(self) -> list[WorkerPresence]:
        return sorted(self._s.workers.values(), key=lambda w: (w.started_at, w.id))

    def delete(self, worker_ids: Collection[str]) -> None:
        for worker_id in worker_ids:
            self._s.workers.pop(worker_id, None)

    def release_orphaned_claims(self, now: datetime) -> int:
        return sum(
            self._release(leases, now)
            for leases in (self._s.leases, self._s.test_leases, self._s.update_leases)
        )

    def _release(self, leases: dict[UUID, Lease], now: datetime) -> int:
        orphaned = [
            key
            for key, lease in leases.items()
            if lease.until > now and lease.worker_id not in self._s.workers
        ]
        for key in orphaned:
            del leases[key]
        return len(orphaned)
