"""Worker liveness rows on SQLAlchemy Core, and the return of orphaned claims."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import message_updates, notifications, test_messages, workers
from pagerd.domain.worker_liveness import WorkerPresence

_ALL = workers.select().order_by(workers.c.started_at, workers.c.id)
_DELETE = workers.delete().where(workers.c.id.in_(sa.bindparam("p_ids", expanding=True)))
_UPDATE = workers.update().where(workers.c.id == sa.bindparam("p_id"))
_INSERT = workers.insert()


def _release_orphaned(table: sa.Table) -> sa.Update:
    # Served by each table's partial index on lease_owner: only rows under a lease are in it.
    return (
        table.update()
        .where(
            table.c.lease_owner.is_not(None),
            table.c.lease_until > sa.bindparam("p_now"),
            table.c.lease_owner.not_in(sa.select(workers.c.id)),
        )
        .values(lease_owner=None, lease_until=None)
    )


_RELEASES = tuple(_release_orphaned(t) for t in (notifications, test_messages, message_updates))


class SqlWorkerRepository:
    """Implements WorkerRepository on SQLite and PostgreSQL."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def hold_registry(self) -> None:
        if self._db.is_postgres:
            # Conflicts with itself and with inserts: liveness transactions run one at a time
            # and a worker's registration commits before or after a whole sweep, never during.
            self._db.execute(sa.text("LOCK TABLE workers IN SHARE ROW EXCLUSIVE MODE"))

    def save(self, worker: WorkerPresence) -> None:
        values = {
            "host": worker.host,
            "pid": worker.pid,
            "started_at": worker.started_at,
            "last_seen": worker.last_seen,
        }
        updated = self._db.execute(_UPDATE, {"p_id": worker.id, **values})
        if updated.rowcount == 0:
            self._db.execute(_INSERT, {"id": worker.id, **values})

    def list(self) -> list[WorkerPresence]:
        return [
            WorkerPresence(
                id=row["id"],
                host=row["host"],
                pid=row["pid"],
                started_at=row["started_at"],
                last_seen=row["last_seen"],
            )
            for row in self._db.all(_ALL)
        ]

    def delete(self, worker_ids: Collection[str]) -> None:
        if worker_ids:
            self._db.execute(_DELETE, {"p_ids": list(worker_ids)})

    def release_orphaned_claims(self, now: datetime) -> int:
        returned = sum(self._db.execute(s, {"p_now": now}).rowcount for s in _RELEASES)
        if returned:
            self._db.wrote_work = True  # wakes the dispatchers: returned pages are due
        return returned
