"""Alerts (with their frozen plan and dedup keys) and their timelines, on SQLAlchemy Core."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.codec import alert_from_row, alert_to_row, timeline_from_row
from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import ACTIVE_STATUSES, alert_dedup_keys, alerts, timeline
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.service_layer.ports import Cursor, TimelineEntry


class SqlAlertRepository:
    """Implements AlertRepository. Dedup keys live in `alert_dedup_keys` (ordered, indexed
    by service and key); an update appends the keys a join added, and rewrites the list only
    when keys were removed.
    """

    def __init__(self, session: Session) -> None:
        self._db = session
        self._keys_seen: dict[UUID, list[str]] = {}

    def add(self, alert: Alert) -> None:
        self._db.execute(alerts.insert().values(alert_to_row(alert)))
        self._insert_keys(alert)

    def update(self, alert: Alert) -> None:
        row = alert_to_row(alert)
        del row["id"], row["monitored_service_id"], row["created_at"]
        self._db.execute(alerts.update().where(alerts.c.id == alert.id).values(row))
        seen = self._keys_seen.get(alert.id)
        if seen == alert.dedup_keys:
            return
        if seen is not None and alert.dedup_keys[: len(seen)] == seen:
            # A join only appends: write the new keys, not the incident's whole list again.
            self._insert_keys(alert, start=len(seen))
            return
        self._db.execute(alert_dedup_keys.delete().where(alert_dedup_keys.c.alert_id == alert.id))
        self._insert_keys(alert)

    def get(self, alert_id: UUID) -> Alert | None:
        return self._first(alerts.select().where(alerts.c.id == alert_id))

    def get_for_update(self, alert_id: UUID) -> Alert | None:
        return self._first(self._db.for_update(alerts.select().where(alerts.c.id == alert_id)))

    def get_active_for_service(self, service_id: UUID) -> Alert | None:
        return self._first(
            alerts.select().where(
                alerts.c.monitored_service_id == service_id,
                alerts.c.status.in_(ACTIVE_STATUSES),
            )
        )

    def list(
        self,
        limit: int,
        after: Cursor | None = None,
        status: AlertStatus | None = None,
        service_id: UUID | None = None,
    ) -> list[Alert]:
        query = alerts.select()
        if status is not None:
            query = query.where(alerts.c.status == status.value)
        if service_id is not None:
            query = query.where(alerts.c.monitored_service_id == service_id)
        rows = self._db.all(page(query, alerts, limit, after, newest_first=True))
        return self._with_keys(rows)

    def delete_for_service(self, service_id: UUID) -> None:
        # Dedup keys, timers, notifications, timeline entries and codes go with their alert
        # (ON DELETE CASCADE).
        self._db.execute(alerts.delete().where(alerts.c.monitored_service_id == service_id))

    def _first(self, query: sa.Select[Any]) -> Alert | None:
        row = self._db.one_or_none(query)
        return self._with_keys([row])[0] if row is not None else None

    def _with_keys(self, rows: Sequence[sa.RowMapping]) -> builtins.list[Alert]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        keys: dict[UUID, builtins.list[str]] = {alert_id: [] for alert_id in ids}
        query = (
            sa.select(alert_dedup_keys.c.alert_id, alert_dedup_keys.c.dedup_key)
            .where(alert_dedup_keys.c.alert_id.in_(ids))
            .order_by(alert_dedup_keys.c.alert_id, alert_dedup_keys.c.position)
        )
        for key_row in self._db.all(query):
            keys[key_row["alert_id"]].append(key_row["dedup_key"])
        for alert_id, found in keys.items():
            self._keys_seen[alert_id] = list(found)
        return [alert_from_row(row, list(keys[row["id"]])) for row in rows]

    def _insert_keys(self, alert: Alert, start: int = 0) -> None:
        if alert.dedup_keys[start:]:
            self._db.execute(
                alert_dedup_keys.insert(),
                [
                    {
                        "alert_id": alert.id,
                        "position": position,
                        "monitored_service_id": alert.monitored_service_id,
                        "dedup_key": key,
                    }
                    for position, key in enumerate(alert.dedup_keys[start:], start=start)
                ],
            )
        self._keys_seen[alert.id] = list(alert.dedup_keys)


class SqlTimelineRepository:
    """Implements TimelineRepository; entries keep insertion order for equal times."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def append(self, entry: TimelineEntry) -> None:
        self._db.execute(
            timeline.insert().values(
                alert_id=entry.alert_id, at=entry.at, type=entry.type, details=entry.details
            )
        )

    def list_for_alert(self, alert_id: UUID) -> list[TimelineEntry]:
        query = (
            timeline.select()
            .where(timeline.c.alert_id == alert_id)
            .order_by(timeline.c.at, timeline.c.id)
        )
        return [timeline_from_row(row) for row in self._db.all(query)]
