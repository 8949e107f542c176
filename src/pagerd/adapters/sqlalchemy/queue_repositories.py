"""The two work queues: acknowledgement timers and the notification outbox.

PostgreSQL: workers skip rows another transaction holds (`FOR UPDATE SKIP LOCKED`), so any
number of them share a queue without waiting on each other or taking the same row.
SQLite: one writer at a time (`BEGIN IMMEDIATE`) already serializes workers; the claim is a
compare-and-set update that re-checks the lease in its own WHERE clause.

Every statement is built once, at import, with named bind parameters (`p_...`, never a
column's name) and run with a params dict: SQLAlchemy then reuses its cache key and
compiled form instead of coercing and hashing a fresh statement on each call.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pagerd.adapters.sqlalchemy.codec import (
    notification_from_row,
    notification_state,
    notification_to_row,
    timer_from_row,
)
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import alerts, notifications, timers
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.timer import AckTimer

_PENDING = NotificationStatus.PENDING.value


# Timers. Arming is one upsert on the alert's unique timer: the row, if any, takes the new
# timer's id, level, pass and due time (what deleting it and inserting the new one did, in
# two statements).
def _timer_upsert(insert: postgresql.Insert | sqlite.Insert) -> sa.Executable:
    return insert.on_conflict_do_update(
        index_elements=[timers.c.alert_id],
        set_={name: insert.excluded[name] for name in ("id", "level", "pass_number", "due_at")},
    )


_TIMER_UPSERT_PG = _timer_upsert(postgresql.insert(timers))
_TIMER_UPSERT_SQLITE = _timer_upsert(sqlite.insert(timers))
_TIMER_DELETE_FOR_ALERT = timers.delete().where(timers.c.alert_id == sa.bindparam("p_alert_id"))
_TIMERS_DELETE_FOR_ALERTS = timers.delete().where(
    timers.c.alert_id.in_(sa.bindparam("p_alert_ids", expanding=True))
)
_TIMER_FOR_ALERT = timers.select().where(timers.c.alert_id == sa.bindparam("p_alert_id"))
_TIMERS_DUE = (
    sa.select(timers)
    .where(timers.c.due_at <= sa.bindparam("p_now"))
    .order_by(timers.c.due_at, timers.c.id)
    .limit(sa.bindparam("p_limit", type_=sa.Integer()))
)
# Lock the alerts with their timers, in one statement, skipping both when either is held:
# an acknowledge holding an alert (and about to delete its timer) is never waited for, so
# the two cannot deadlock on alert-then-timer order. The statement never waits at all, so
# the order it locks its rows in (due time) cannot close a cycle either.
_TIMERS_CLAIM_DUE_PG = _TIMERS_DUE.join(alerts, alerts.c.id == timers.c.alert_id).with_for_update(
    of=[timers, alerts], skip_locked=True
)
# RETURNING (PostgreSQL, SQLite >= 3.35): the ids this very statement deleted, which
# rowcount cannot tell apart.
_TIMERS_DELETE_FIRED = (
    timers.delete()
    .where(timers.c.id.in_(sa.bindparam("p_ids", expanding=True)))
    .returning(timers.c.id)
)
_TIMER_MIN_DUE = sa.select(sa.func.min(timers.c.due_at))
_TIMER_COUNT = sa.select(sa.func.count()).select_from(timers)


class SqlTimerRepository:
    """Implements TimerRepository; at most one timer per alert (a unique column)."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def arm(self, timer: AckTimer) -> None:
        self._db.execute(
            _TIMER_UPSERT_PG if self._db.is_postgres else _TIMER_UPSERT_SQLITE,
            {
                "id": timer.id,
                "alert_id": timer.alert_id,
                "level": timer.level,
                "pass_number": timer.pass_number,
                "due_at": timer.due_at,
            },
        )
        self._db.wrote_work = True

    def cancel_for_alert(self, alert_id: UUID) -> None:
        self._db.execute(_TIMER_DELETE_FOR_ALERT, {"p_alert_id": alert_id})

    def cancel_for_alerts(self, alert_ids: Collection[UUID]) -> None:
        if alert_ids:
            self._db.execute(_TIMERS_DELETE_FOR_ALERTS, {"p_alert_ids": list(alert_ids)})

    def pending_for_alert(self, alert_id: UUID) -> AckTimer | None:
        row = self._db.one_or_none(_TIMER_FOR_ALERT, {"p_alert_id": alert_id})
        return timer_from_row(row) if row is not None else None

    def claim_due(self, now: datetime, limit: int) -> list[AckTimer]:
        query = _TIMERS_CLAIM_DUE_PG if self._db.is_postgres else _TIMERS_DUE
        rows = self._db.all(query, {"p_now": now, "p_limit": limit})
        return [timer_from_row(row) for row in rows]

    def remove_fired(self, timer_ids: Collection[UUID]) -> set[UUID]:
        if not timer_ids:
            return set()
        result = self._db.execute(_TIMERS_DELETE_FIRED, {"p_ids": list(timer_ids)})
        return set(result.scalars())

    def next_due_at(self) -> datetime | None:
        due: datetime | None = self._db.execute(_TIMER_MIN_DUE).scalar()
        return due

    def count(self) -> int:
        return int(self._db.execute(_TIMER_COUNT).scalar_one())


# The outbox. `p_now` appears several times in a statement: one value for all of them.
_CLAIMABLE = sa.and_(
    notifications.c.status == _PENDING,
    notifications.c.next_attempt_at <= sa.bindparam("p_now"),
    sa.or_(
        notifications.c.lease_until.is_(None),
        notifications.c.lease_until <= sa.bindparam("p_now"),
    ),
)
_BY_CREATION = (notifications.c.created_at, notifications.c.id)

_NOTIFICATION_INSERT = notifications.insert()
_NOTIFICATION_BY_ID = notifications.select().where(notifications.c.id == sa.bindparam("p_id"))
_NOTIFICATIONS_BY_IDS = notifications.select().where(
    notifications.c.id.in_(sa.bindparam("p_ids", expanding=True))
)
# The SET clause is the columns of `notification_state`, passed by name with the id.
_NOTIFICATION_UPDATE = notifications.update().where(notifications.c.id == sa.bindparam("p_id"))
# The same, also dropping the lease: recording an outcome and releasing in one statement.
_NOTIFICATION_UPDATE_RELEASING = _NOTIFICATION_UPDATE.values(lease_owner=None, lease_until=None)
_SENT_MESSAGES_OF = (
    notifications.select()
    .where(
        notifications.c.alert_id.in_(sa.bindparam("p_ids", expanding=True)),
        notifications.c.message_ref.is_not(None),
    )
    .order_by(notifications.c.created_at, notifications.c.id)
)
_NOTIFICATIONS_FOR_ALERT = (
    notifications.select()
    .where(notifications.c.alert_id == sa.bindparam("p_alert_id"))
    .order_by(*_BY_CREATION)
)
_NOTIFICATIONS_FOR_LEVEL = (
    notifications.select()
    .where(
        notifications.c.alert_id == sa.bindparam("p_alert_id"),
        notifications.c.level == sa.bindparam("p_level"),
        notifications.c.pass_number == sa.bindparam("p_pass_number"),
    )
    .order_by(*_BY_CREATION)
)
# A leased page is left to its dispatcher, which cancels it when it sees the alert.
_NOTIFICATIONS_CANCEL_PENDING = (
    notifications.update()
    .where(
        notifications.c.alert_id == sa.bindparam("p_alert_id"),
        notifications.c.status == _PENDING,
        notifications.c.lease_owner.is_(None),
    )
    .values(status=NotificationStatus.CANCELLED.value)
    .returning(*notifications.c)
)
_DUE = (
    sa.select(notifications.c.id)
    .where(_CLAIMABLE)
    .order_by(notifications.c.next_attempt_at, *_BY_CREATION)
    .limit(sa.bindparam("p_limit", type_=sa.Integer()))
)


def _claim(matches: sa.ColumnElement[bool]) -> sa.Update:
    return (
        notifications.update()
        # The lease is checked again here: the compare-and-set that makes a claim exclusive
        # whatever the isolation of the sub-select.
        .where(matches, _CLAIMABLE)
        .values(
            lease_owner=sa.bindparam("p_worker_id", type_=notifications.c.lease_owner.type),
            lease_until=sa.bindparam("p_lease_until", type_=notifications.c.lease_until.type),
        )
        .returning(*notifications.c)
    )


# A materialized CTE runs once. As a plain sub-select PostgreSQL may rescan it for each row
# updated, and every rescan skips the rows this very statement has just locked: LIMIT n
# would then claim more than n.
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
_NOTIFICATIONS_CLAIM_PG = _claim(notifications.c.id == _DUE_LOCKED.c.id)
_NOTIFICATIONS_CLAIM = _claim(notifications.c.id.in_(_DUE))

_NOTIFICATION_LEASE_OWNER = sa.select(notifications.c.lease_owner).where(
    notifications.c.id == sa.bindparam("p_id")
)
_NOTIFICATION_RELEASE = (
    notifications.update()
    .where(notifications.c.id == sa.bindparam("p_id"))
    .values(lease_owner=None, lease_until=None)
)
_NOTIFICATIONS_NEXT_ATTEMPT = sa.select(sa.func.min(notifications.c.next_attempt_at)).where(
    notifications.c.status == _PENDING
)
_NOTIFICATIONS_COUNT_PENDING = sa.select(sa.func.count()).where(notifications.c.status == _PENDING)


def _update_params(notification: Notification) -> dict[str, Any]:
    return {"p_id": notification.id, **notification_state(notification)}


def _ordered(rows: list[Notification]) -> list[Notification]:
    return sorted(rows, key=lambda n: (n.next_attempt_at, n.created_at, str(n.id)))


class SqlNotificationRepository:
    """Implements NotificationRepository: the outbox, leased to dispatchers."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, notification: Notification) -> None:
        self._db.execute(_NOTIFICATION_INSERT, notification_to_row(notification))
        self._db.wrote_work = True

    def add_many(
        self,
        notifications: Sequence[Notification],
        worker_id: str | None = None,
        lease_until: datetime | None = None,
    ) -> None:
        if not notifications:
            return
        rows = [notification_to_row(n) for n in notifications]
        if worker_id is not None:
            for row in rows:
                row["lease_owner"], row["lease_until"] = worker_id, lease_until
        self._db.execute(_NOTIFICATION_INSERT, rows)
        self._db.wrote_work = True

    def get(self, notification_id: UUID) -> Notification | None:
        row = self._db.one_or_none(_NOTIFICATION_BY_ID, {"p_id": notification_id})
        return notification_from_row(row) if row is not None else None

    def get_many(self, notification_ids: Collection[UUID]) -> dict[UUID, Notification]:
        if not notification_ids:
            return {}
        rows = self._db.all(_NOTIFICATIONS_BY_IDS, {"p_ids": list(set(notification_ids))})
        return {row["id"]: notification_from_row(row) for row in rows}

    def update(self, notification: Notification, release: bool = False) -> None:
        statement = _NOTIFICATION_UPDATE_RELEASING if release else _NOTIFICATION_UPDATE
        self._db.execute(statement, _update_params(notification))

    def update_many(self, notifications: Sequence[Notification], release: bool = False) -> None:
        if not notifications:
            return
        statement = _NOTIFICATION_UPDATE_RELEASING if release else _NOTIFICATION_UPDATE
        self._db.execute(statement, [_update_params(n) for n in notifications])

    def sent_messages_of(self, alert_ids: Collection[UUID]) -> list[Notification]:
        if not alert_ids:
            return []
        rows = self._db.all(_SENT_MESSAGES_OF, {"p_ids": list(alert_ids)})
        return [notification_from_row(row) for row in rows]

    def list_for_alert(self, alert_id: UUID) -> list[Notification]:
        rows = self._db.all(_NOTIFICATIONS_FOR_ALERT, {"p_alert_id": alert_id})
        return [notification_from_row(row) for row in rows]

    def list_for_level(self, alert_id: UUID, level: int, pass_number: int) -> list[Notification]:
        params = {"p_alert_id": alert_id, "p_level": level, "p_pass_number": pass_number}
        rows = self._db.all(_NOTIFICATIONS_FOR_LEVEL, params)
        return [notification_from_row(row) for row in rows]

    def cancel_pending_for_alert(self, alert_id: UUID) -> list[Notification]:
        rows = self._db.all(_NOTIFICATIONS_CANCEL_PENDING, {"p_alert_id": alert_id})
        cancelled = [notification_from_row(row) for row in rows]
        return sorted(cancelled, key=lambda n: (n.created_at, str(n.id)))

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[Notification]:
        statement = _NOTIFICATIONS_CLAIM_PG if self._db.is_postgres else _NOTIFICATIONS_CLAIM
        params = {
            "p_now": now,
            "p_limit": limit,
            "p_worker_id": worker_id,
            "p_lease_until": lease_until,
        }
        return _ordered([notification_from_row(row) for row in self._db.all(statement, params)])

    def is_claimed_by(self, notification_id: UUID, worker_id: str) -> bool:
        owner = self._db.execute(_NOTIFICATION_LEASE_OWNER, {"p_id": notification_id}).scalar()
        return bool(owner == worker_id)

    def release(self, notification_id: UUID) -> None:
        self._db.execute(_NOTIFICATION_RELEASE, {"p_id": notification_id})

    def next_attempt_at(self) -> datetime | None:
        due: datetime | None = self._db.execute(_NOTIFICATIONS_NEXT_ATTEMPT).scalar()
        return due

    def count_pending(self) -> int:
        return int(self._db.execute(_NOTIFICATIONS_COUNT_PENDING).scalar_one())
