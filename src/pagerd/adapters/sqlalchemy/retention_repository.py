"""The retention of resolved alerts' history, on SQLAlchemy Core (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import (
    ack_codes,
    alerts,
    message_updates,
    notifications,
    timeline,
)

# Served by the partial index ix_alerts_retention: only resolved alerts not yet pruned are
# in it, so a pass finds its candidates without walking years of pruned alerts.
_TO_PRUNE = (
    sa.select(alerts.c.id)
    .where(
        alerts.c.status == "resolved",
        alerts.c.pruned_at.is_(None),
        alerts.c.resolved_at < sa.bindparam("p_before"),
    )
    .order_by(alerts.c.resolved_at, alerts.c.id)
    .limit(sa.bindparam("p_limit"))
)
# Two workers pruning at once take different alerts instead of waiting for each other.
_TO_PRUNE_LOCKED = _TO_PRUNE.with_for_update(skip_locked=True)
# SQLite, without statistics, prefers the index on (status, created_at, id) for the equality
# on status: it then reads every resolved alert ever kept and sorts them, under the write
# lock, on each pass (a second at start-up with a million alerts, while timers wait). The
# partial index holds only what is left to prune; INDEXED BY makes SQLite use it.
_TO_PRUNE_SQLITE = (
    sa.text(
        "SELECT id FROM alerts INDEXED BY ix_alerts_retention"
        " WHERE status = 'resolved' AND pruned_at IS NULL AND resolved_at < :p_before"
        " ORDER BY resolved_at, id LIMIT :p_limit"
    )
    .bindparams(
        sa.bindparam("p_before", type_=alerts.c.resolved_at.type),
        sa.bindparam("p_limit", type_=sa.Integer()),
    )
    .columns(id=alerts.c.id.type)
)
_MARK_PRUNED = (
    alerts.update()
    .where(alerts.c.id.in_(sa.bindparam("p_ids", expanding=True)))
    .values(pruned_at=sa.bindparam("p_at"))
)


def _bounded_delete(table: sa.Table) -> sa.Delete:
    """Delete at most `p_limit` rows of `table` belonging to the alerts `p_ids`.

    `DELETE ... LIMIT` is not portable; a subquery of ids is, on both backends.
    """
    some = (
        sa.select(table.c.id)
        .where(table.c.alert_id.in_(sa.bindparam("p_ids", expanding=True)))
        .limit(sa.bindparam("p_limit"))
    )
    return table.delete().where(table.c.id.in_(some.scalar_subquery()))


# The history of an alert, deleted in this order.
_DELETES = tuple(
    _bounded_delete(table) for table in (notifications, timeline, ack_codes, message_updates)
)


class SqlRetentionRepository:
    """Implements RetentionRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def alerts_to_prune(self, resolved_before: datetime, limit: int) -> list[UUID]:
        query = _TO_PRUNE_LOCKED if self._db.is_postgres else _TO_PRUNE_SQLITE
        rows = self._db.all(query, {"p_before": resolved_before, "p_limit": limit})
        return [row["id"] for row in rows]

    def delete_history(self, alert_ids: Collection[UUID], limit: int) -> int:
        deleted = 0
        ids = list(alert_ids)
        for delete in _DELETES:
            if not ids or deleted >= limit:
                break
            result = self._db.execute(delete, {"p_ids": ids, "p_limit": limit - deleted})
            deleted += result.rowcount
        return deleted

    def mark_pruned(self, alert_ids: Collection[UUID], at: datetime) -> None:
        if alert_ids:
            self._db.execute(_MARK_PRUNED, {"p_ids": list(alert_ids), "p_at": at})
