"""Use cases of worker liveness: beat (and return dead workers' claims), sign off.

A worker's beat is one transaction: refresh its own row, remove the rows of workers known
dead (see `domain.worker_liveness`), and return to the queues every claim whose owner has no
row. A live worker's row is refreshed well within the staleness bound, so its claims stay
untouched; a worker registers (its first beat) before it claims anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from pagerd.domain.worker_liveness import (
    STALE_AFTER,
    LocalProcesses,
    WorkerPresence,
    is_known_dead,
)
from pagerd.service_layer.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class Beat:
    """What one beat did: the dead workers it removed and how many claims it returned."""

    dead: tuple[WorkerPresence, ...]
    returned_claims: int


def beat(
    uow: UnitOfWork,
    clock: Clock,
    me: WorkerPresence,
    local: LocalProcesses,
    stale_after: timedelta = STALE_AFTER,
) -> Beat:
    """Refresh `me` (its `last_seen` becomes now), then return dead workers' claims."""
    with uow:
        uow.workers.hold_registry()
        now = clock.now()
        uow.workers.save(replace(me, last_seen=now))
        dead = tuple(
            worker
            for worker in uow.workers.list()
            if worker.id != me.id and is_known_dead(worker, now, local, stale_after)
        )
        uow.workers.delete([worker.id for worker in dead])
        returned = uow.workers.release_orphaned_claims(now)
        uow.commit()
    return Beat(dead, returned)


def sign_off(uow: UnitOfWork, worker_id: str) -> None:
    """Remove the row of a worker that shut down cleanly: whatever it still holds comes
    back at the next beat of any other worker."""
    with uow:
        uow.workers.delete([worker_id])
        uow.commit()
