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
from pagerd.domain.alert import KEYS_SHOWN, Alert, AlertStatus
from pagerd.domain.severity import Severity
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
# Under `dedup_key` grouping a service has several: "the" active alert is the oldest one.
_FIRST_ACTIVE_ALERT_OF_SERVICE = _ACTIVE_ALERT_OF_SERVICE.order_by(
    alerts.c.created_at, alerts.c.id
).limit(1)
_FIRST_ACTIVE_ALERT_OF_SERVICE_LOCKED = _FIRST_ACTIVE_ALERT_OF_SERVICE.with_for_update()
_DELETE_ALERTS_OF_SERVICE = alerts.delete().where(
    alerts.c.monitored_service_id == sa.bindparam("p_service_id")
)
_ACTIVE_ALERTS_OF_SERVICE = _ACTIVE_ALERT_OF_SERVICE.order_by(alerts.c.id)
_ACTIVE_ALERTS_OF_SERVICE_LOCKED = _ACTIVE_ALERTS_OF_SERVICE.with_for_update()


def _active_of_service_sqlite(order_and_limit: str) -> sa.TextualSelect:
    """A service's active alerts on SQLite, read through the two partial unique indexes that
    hold only active alerts (one per grouping), then ordered.

    The statements above filter the status with bound parameters, which SQLite cannot match
    against a partial index's WHERE: it walked the service's index on (service, created_at,
    id) and read every alert the service ever had to check its status. A new alert then cost
    a table read per old alert of its service (the history benchmark's ingest slowed with
    the database). Here each branch repeats its index's WHERE word for word (literal
    statuses), and INDEXED BY makes SQLite use that index, as for retention.
    """
    columns = ", ".join(f'"{column.name}"' for column in alerts.c)
    branch = (
        f"SELECT {columns} FROM alerts INDEXED BY {{index}} WHERE monitored_service_id ="  # noqa: S608 -- the schema's own names and constants, no input
        f" :p_service_id AND status IN ({', '.join(repr(s) for s in ACTIVE_STATUSES)})"
        " AND incident_key {key}"
    )
    per_service = branch.format(index="uq_alerts_one_active_per_service", key="IS NULL")
    per_key = branch.format(index="uq_alerts_one_active_per_incident_key", key="IS NOT NULL")
    return (
        sa.text(
            f"SELECT {columns} FROM ({per_service} UNION ALL {per_key}) AS active"  # noqa: S608 -- as above
            f" {order_and_limit}"
        )
        .bindparams(sa.bindparam("p_service_id", type_=alerts.c.monitored_service_id.type))
        .columns(*alerts.c)
    )


_FIRST_ACTIVE_ALERT_OF_SERVICE_SQLITE = _active_of_service_sqlite("ORDER BY created_at, id LIMIT 1")
_ACTIVE_ALERTS_OF_SERVICE_SQLITE = _active_of_service_sqlite("ORDER BY id")
_COUNT_ESCALATION_ENDED = (
    sa.select(sa.func.count())
    .select_from(alerts)
    .where(alerts.c.status == "open", alerts.c.escalation_ended_at.is_not(None))
)
_INSERT_KEYS = alert_dedup_keys.insert()
_DELETE_KEY = alert_dedup_keys.delete().where(
    alert_dedup_keys.c.alert_id == sa.bindparam("p_alert_id"),
    alert_dedup_keys.c.dedup_key == sa.bindparam("p_key"),
)
_k = alert_dedup_keys.c
# The first KEYS_SHOWN keys of one alert: a range of its primary key, whatever it holds.
_KEYS_OF_ONE = (
    sa.select(_k.alert_id, _k.dedup_key)
    .where(_k.alert_id == sa.bindparam("p_alert_id"))
    .order_by(_k.position)
    .limit(KEYS_SHOWN)
)
_numbered = (
    sa.select(
        _k.alert_id,
        _k.dedup_key,
        _k.position,
        sa.func.row_number().over(partition_by=_k.alert_id, order_by=_k.position).label("n"),
    )
    .where(_k.alert_id.in_(sa.bindparam("p_alert_ids", expanding=True)))
    .subquery()
)
_KEYS_OF_MANY = (
    sa.select(_numbered.c.alert_id, _numbered.c.dedup_key)
    .where(_numbered.c.n <= KEYS_SHOWN)
    .order_by(_numbered.c.alert_id, _numbered.c.position)
)
_KEY_PAGE = (
    sa.select(_k.position, _k.dedup_key)
    .where(_k.alert_id == sa.bindparam("p_alert_id"), _k.position > sa.bindparam("p_after"))
    .order_by(_k.position)
    .limit(sa.bindparam("p_limit"))
)
_HELD_KEYS = sa.select(_k.dedup_key).where(
    _k.alert_id == sa.bindparam("p_alert_id"),
    _k.dedup_key.in_(sa.bindparam("p_keys", expanding=True)),
)
# Which active incident of a service holds each key: an index lookup per key.
_ACTIVE_HOLDERS = (
    sa.select(_k.dedup_key, _k.alert_id)
    .join(alerts, alerts.c.id == _k.alert_id)
    .where(
        _k.monitored_service_id == sa.bindparam("p_service_id"),
        _k.dedup_key.in_(sa.bindparam("p_keys", expanding=True)),
        alerts.c.status.in_(
            [sa.bindparam(f"p_active_{i}", status) for i, status in enumerate(ACTIVE_STATUSES)]
        ),
    )
)
KEYS_PER_STATEMENT = 1_000  # bound parameters of one IN list (SQLite allows 32,766 in all)
_INSERT_ENTRY = timeline.insert()
_ENTRIES_OF_ALERT = (
    timeline.select()
    .where(timeline.c.alert_id == sa.bindparam("p_alert_id"))
    .order_by(timeline.c.at, timeline.c.id)
)


class SqlAlertRepository:
    """Implements AlertRepository. Dedup keys live in `alert_dedup_keys` (ordered, indexed
    by alert and key, and by service and key); an alert is read with its first KEYS_SHOWN
    keys, and a write inserts the keys it added and deletes those it removed, in one
    statement each: neither depends on how many keys the incident holds.
    """

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, alert: Alert) -> None:
        self.add_many([alert])

    def add_many(self, alerts_: Sequence[Alert]) -> None:
        if not alerts_:
            return
        self._db.execute(_INSERT_ALERT, [alert_to_row(alert) for alert in alerts_])
        self._write_key_changes(alerts_)

    def update(self, alert: Alert) -> None:
        self.update_many([alert])

    def update_many(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        self._db.execute(_UPDATE_ALERT, [_update_row(alert) for alert in alerts])
        self._write_key_changes(alerts)

    def _write_key_changes(self, changed: Sequence[Alert]) -> None:
        """The keys the alerts added and removed since read: one statement for each kind."""
        added: builtins.list[dict[str, Any]] = []
        removed: builtins.list[dict[str, Any]] = []
        for alert in changed:
            added += (
                {
                    "alert_id": alert.id,
                    "position": position,
                    "monitored_service_id": alert.monitored_service_id,
                    "dedup_key": key,
                }
                for position, key in alert.added_keys
            )
            removed += ({"p_alert_id": alert.id, "p_key": key} for key in alert.removed_keys)
            alert.added_keys, alert.removed_keys = [], []
        if removed:
            self._db.execute(_DELETE_KEY, removed)
        if added:
            self._db.execute(_INSERT_KEYS, added)

    def held_keys(self, alert_id: UUID, keys: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys):
            rows = self._db.all(_HELD_KEYS, {"p_alert_id": alert_id, "p_keys": chunk})
            found.update(row["dedup_key"] for row in rows)
        return found

    def active_holders(self, service_id: UUID, keys: Collection[str]) -> dict[str, UUID]:
        found: dict[str, UUID] = {}
        for chunk in _chunks(keys):
            rows = self._db.all(_ACTIVE_HOLDERS, {"p_service_id": service_id, "p_keys": chunk})
            found.update((row["dedup_key"], row["alert_id"]) for row in rows)
        return found

    def list_active_for_service_for_update(self, service_id: UUID) -> builtins.list[Alert]:
        query: sa.Executable = (
            _ACTIVE_ALERTS_OF_SERVICE_LOCKED
            if self._db.is_postgres
            else _ACTIVE_ALERTS_OF_SERVICE_SQLITE
        )
        return self._with_keys(self._db.all(query, {"p_service_id": service_id}))

    def list_keys(
        self, alert_id: UUID, limit: int, after: int | None = None
    ) -> builtins.list[tuple[int, str]]:
        params = {"p_alert_id": alert_id, "p_after": -1 if after is None else after}
        rows = self._db.all(_KEY_PAGE, {**params, "p_limit": limit})
        return [(row["position"], row["dedup_key"]) for row in rows]

    def count(self, status: AlertStatus) -> int:
        query = sa.select(sa.func.count()).select_from(alerts).where(alerts.c.status == status)
        return int(self._db.execute(query).scalar() or 0)

    def count_escalation_ended(self) -> int:
        row = self._db.execute(_COUNT_ESCALATION_ENDED).scalar()
        return int(row or 0)

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
        query: sa.Executable = (
            _FIRST_ACTIVE_ALERT_OF_SERVICE
            if self._db.is_postgres
            else _FIRST_ACTIVE_ALERT_OF_SERVICE_SQLITE
        )
        return self._first(query, {"p_service_id": service_id})

    def get_active_for_service_for_update(self, service_id: UUID) -> Alert | None:
        query: sa.Executable = (
            _FIRST_ACTIVE_ALERT_OF_SERVICE_LOCKED
            if self._db.is_postgres
            else _FIRST_ACTIVE_ALERT_OF_SERVICE_SQLITE
        )
        return self._first(query, {"p_service_id": service_id})

    def list(
        self,
        limit: int,
        after: Cursor | None = None,
        status: AlertStatus | None = None,
        service_id: UUID | None = None,
        severity: Severity | None = None,
    ) -> list[Alert]:
        query = alerts.select()
        if status is not None:
            query = query.where(alerts.c.status == status.value)
        if severity is not None:
            query = query.where(alerts.c.severity == severity.value)
        if service_id is not None:
            query = query.where(alerts.c.monitored_service_id == service_id)
        rows = self._db.all(page(query, alerts, limit, after, newest_first=True))
        return self._with_keys(rows)

    def delete_for_service(self, service_id: UUID) -> None:
        # Dedup keys, timers, notifications, timeline entries and codes go with their alert
        # (ON DELETE CASCADE).
        self._db.execute(_DELETE_ALERTS_OF_SERVICE, {"p_service_id": service_id})

    def _first(self, query: sa.Executable, params: dict[str, Any]) -> Alert | None:
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
        return [alert_from_row(row, list(keys[row["id"]])) for row in rows]


def _chunks(keys: Collection[str]) -> builtins.list[builtins.list[str]]:
    ordered = builtins.list(dict.fromkeys(keys))
    return [ordered[i : i + KEYS_PER_STATEMENT] for i in range(0, len(ordered), KEYS_PER_STATEMENT)]


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
