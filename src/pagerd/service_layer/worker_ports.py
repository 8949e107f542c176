"""The port of worker liveness rows and of the claims they vouch for."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from pagerd.domain.worker_liveness import WorkerPresence


class WorkerRepository(Protocol):
    """Liveness rows of worker processes, one per worker id."""

    def hold_registry(self) -> None:
        """Serialize with other workers' liveness transactions until commit (PostgreSQL: a
        table lock that blocks registrations, so a worker that registers and claims while
        this transaction returns orphaned claims is seen; SQLite: the write lock does it)."""
        ...

    def save(self, worker: WorkerPresence) -> None:
        """Insert or replace the row of `worker.id`."""
        ...

    def list(self) -> list[WorkerPresence]:
        """Every row, oldest start first."""
        ...

    def delete(self, worker_ids: Collection[str]) -> None: ...

    def release_orphaned_claims(self, now: datetime) -> int:
        """Return to the queues every claim (page, test message, message update) whose lease
        runs past `now` and whose owner has no row; how many were returned."""
        ...
