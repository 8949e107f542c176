"""The retention of resolved alerts' history, in memory."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from pagerd.adapters.memory.store import StoreState
from pagerd.domain.alert import AlertStatus


class InMemoryRetentionRepository:
    """Implements RetentionRepository on the in-memory store."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def alerts_to_prune(self, resolved_before: datetime, limit: int) -> list[UUID]:
        due = [
            alert
            for alert in self._s.alerts.values()
            if alert.status is AlertStatus.RESOLVED
            and alert.resolved_at is not None
            and alert.resolved_at < resolved_before
            and alert.id not in self._s.pruned_at
        ]
        due.sort(key=lambda alert: (alert.resolved_at, str(alert.id)))
        return [alert.id for alert in due[:limit]]

    def delete_history(self, alert_ids: Collection[UUID], limit: int) -> int:
        ids = set(alert_ids)
        deleted = 0
        for notification_id in [n.id for n in self._s.notifications.values() if n.alert_id in ids][
            :limit
        ]:
            del self._s.notifications[notification_id]
            self._s.leases.pop(notification_id, None)
            deleted += 1
        deleted += _delete_some(self._s.timeline, ids, limit - deleted)
        deleted += _delete_some(self._s.ack_codes, ids, limit - deleted)
        edits = [u.id for u in self._s.message_updates.values() if u.alert_id in ids]
        for update_id in edits[: max(limit - deleted, 0)]:
            del self._s.message_updates[update_id]
            self._s.update_leases.pop(update_id, None)
            deleted += 1
        return deleted

    def mark_pruned(self, alert_ids: Collection[UUID], at: datetime) -> None:
        for alert_id in alert_ids:
            self._s.pruned_at[alert_id] = at


class _OfAlert(Protocol):
    @property
    def alert_id(self) -> UUID: ...


_Row = TypeVar("_Row", bound=_OfAlert)


def _delete_some(rows: list[_Row], ids: set[UUID], limit: int) -> int:
    """Remove up to `limit` of `rows` (in place) that belong to the alerts `ids`."""
    doomed = [i for i, row in enumerate(rows) if row.alert_id in ids][: max(limit, 0)]
    for index in reversed(doomed):
        del rows[index]
    return len(doomed)
