"""Alerts (with their frozen plan and dedup keys) and their timelines, on SQLAlchemy Core."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.codec import (
    alert_from_row,
    alert_to_row,
    timeline_from_row,
    timeline_to_row,
)
from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import ACTIVE_STATUSES, alert_dedup_keys, alerts, timeline
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.service_layer.ports import Cursor, TimelineEntry

# Statements built once, executed with a params dict: SQLAlchemy memoizes a statement's
# cache key, so reusing one skips building and coercing it again on every call (most of a
# use case's CPU otherwise). Bind parameter names must differ from column names ("p_...").
_INSERT_ALERT = alerts.insert()
_UPDATE_ALERT = alerts.update().where(alerts.c.id == sa.bindparam("p_id"))
_ALERT_BY_ID = alerts.select().where(alerts.c.id == sa.bindparam("p_id"))
_ALERT_BY_ID_LOCKED = _ALERT_BY_ID.with_for_update()
# Several alerts, locked in id order (the order of every use case locking several).
_ALERTS_BY_IDS = (
    alerts.select()
    .where(alerts.c.id.in_(sa.bindparam("p_ids", expanding=True)))
    .order_by(alerts.c.id)
)
_ALERTS_BY_IDS_LOCKED = _ALERTS_BY_IDS.with_for_update()
# `IN (?, ?)` with fixed values: a plain `in_(ACTIVE_STATUSES)` compiles to an expanding
# parameter that SQLAlchemy renders again on every execution.
_ACTIVE_ALERT_OF_SERVICE = alerts.select().where(
    alerts.c.monitored_service_id == sa.bindparam("p_service_id"),
    alerts.c.status.in_(
        [sa.bindparam(f"p_active_{i}", status) for i, status in enumerate(ACTIVE_STATUSES)]
    ),
)
# PostgreSQL, READ COMMITTED: a row whose status changed while we waited for its lock is
# checked against the WHERE again and skipped when no longer active; the row returned is
# the latest committed version.
_ACTIVE_ALERT_OF_SERVICE_LOCKED = _ACTIVE_ALERT_OF_SERVICE.with_for_update()
_DELETE_ALERTS_OF_SERVICE = alerts.delete().where(
    alerts.c.monitored_service_id == sa.bindparam("p_service_id")
)
_INSERT_KEYS = alert_dedup_keys.insert()
_DELETE_KEYS = alert_dedup_keys.delete().where(
    alert_dedup_keys.c.alert_id == sa.bindparam("p_alert_id")
)
_KEYS = sa.select(alert_dedup_keys.c.alert_id, alert_dedup_keys.c.dedup_key).order_by(
    alert_dedup_keys.c.alert_id, alert_dedup_keys.c.position
)
# One alert's keys (every single-alert read) without an expanding IN to render per call.
_KEYS_OF_ONE = _KEYS.where(alert_dedup_keys.c.alert_id == sa.bindparam("p_alert_id"))
_KEYS_OF_MANY = _KEYS.where(
    alert_dedup_keys.c.alert_id.in_(sa.bindparam("p_alert_ids", expanding=True))
)
_INSERT_ENTRY = timeline.insert()
_ENTRIES_OF_ALERT = (
    timeline.select()
    .where(timeline.c.alert_id == sa.bindparam("p_alert_id"))
    .order_by(timeline.c.at, timeline.c.id)
)


class SqlAlertRepository:
    """Implements AlertRepository. Dedup keys live in `alert_dedup_keys` (ordered, indexed
    by service and key); an update appends the keys a join added, and rewrites the list only
    when keys were removed.
    """

    def __init__(self, session: Session) -> None:
        self._db = session
        self._keys_seen: dict[UUID, list[str]] = {}

    def add(self, alert: Alert) -> None:
        self._db.execute(_INSERT_ALERT, alert_to_row(alert))
        self._insert_keys(alert)

    def update(self, alert: Alert) -> None:
        self.update_many([alert])

    def update_many(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        self._db.execute(_UPDATE_ALERT, [_update_row(alert) for alert in alerts])
        for alert in alerts:
            self._write_changed_keys(alert)

    def _write_changed_keys(self, alert: Alert) -> None:
        seen = self._keys_seen.get(alert.id)
        if seen == alert.dedup_keys:
            return
        if seen is not None and alert.dedup_keys[: len(seen)] == seen:
            # A join only appends: write the new keys, not the incident's whole list again.
            self._insert_keys(alert, start=len(seen))
            return
        self._db.execute(_DELETE_KEYS, {"p_alert_id": alert.id})
        self._insert_keys(alert)

    def get(self, alert_id: UUID) -> Alert | None:
        return self._first(_ALERT_BY_ID, {"p_id": alert_id})

    def get_for_update(self, alert_id: UUID) -> Alert | None:
        query = self._db.pick(_ALERT_BY_ID, _ALERT_BY_ID_LOCKED)
        return self._first(query, {"p_id": alert_id})

    def get_many_for_update(self, alert_ids: Collection[UUID]) -> dict[UUID, Alert]:
        if not alert_ids:
            return {}
        query = self._db.pick(_ALERTS_BY_IDS, _ALERTS_BY_IDS_LOCKED)
        rows = self._db.all(query, {"p_ids": list(set(alert_ids))})
        return {alert.id: alert for alert in self._with_keys(rows)}

    def get_active_for_service(self, service_id: UUID) -> Alert | None:
        return self._first(_ACTIVE_ALERT_OF_SERVICE, {"p_service_id": service_id})

    def get_active_for_service_for_update(self, service_id: UUID) -> Alert | None:
        query = self._db.pick(_ACTIVE_ALERT_OF_SERVICE, _ACTIVE_ALERT_OF_SERVICE_LOCKED)
        return self._first(query, {"p_service_id": service_id})

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
        self._db.execute(_DELETE_ALERTS_OF_SERVICE, {"p_service_id": service_id})

    def _first(self, query: sa.Select[Any], params: dict[str, Any]) -> Alert | None:
        row = self._db.one_or_none(query, params)
        return self._with_keys([row])[0] if row is not None else None

    def _with_keys(self, rows: Sequence[sa.RowMapping]) -> builtins.list[Alert]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        keys: dict[UUID, builtins.list[str]] = {alert_id: [] for alert_id in ids}
        if len(ids) == 1:
            key_rows = self._db.all(_KEYS_OF_ONE, {"p_alert_id": ids[0]})
        else:
            key_rows = self._db.all(_KEYS_OF_MANY, {"p_alert_ids": ids})
        for key_row in key_rows:
            keys[key_row["alert_id"]].append(key_row["dedup_key"])
        for alert_id, found in keys.items():
            self._keys_seen[alert_id] = list(found)
        return [alert_from_row(row, list(keys[row["id"]])) for row in rows]

    def _insert_keys(self, alert: Alert, start: int = 0) -> None:
        if alert.dedup_keys[start:]:
            self._db.execute(
                _INSERT_KEYS,
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
        self._db.execute(_INSERT_ENTRY, timeline_to_row(entry))
        self._db.history.append(entry)

    def append_many(self, entries: Sequence[TimelineEntry]) -> None:
        # One executemany; the rows are inserted in this order, so their serial ids keep it.
        if entries:
            self._db.execute(_INSERT_ENTRY, [timeline_to_row(entry) for entry in entries])
            self._db.history.extend(entries)

    def list_for_alert(self, alert_id: UUID) -> list[TimelineEntry]:
        rows = self._db.all(_ENTRIES_OF_ALERT, {"p_alert_id": alert_id})
        return [timeline_from_row(row) for row in rows]


def _update_row(alert: Alert) -> dict[str, Any]:
    """The columns an update writes (all but those fixed at creation), keyed for _UPDATE_ALERT."""
    row = alert_to_row(alert)
    del row["id"], row["monitored_service_id"], row["created_at"]
    row["p_id"] = alert.id
    return row
