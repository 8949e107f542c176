"""The two work queues: acknowledgement timers and the notification outbox.

PostgreSQL: workers skip rows another transaction holds (`FOR UPDATE SKIP LOCKED`), so any
number of them share a queue without waiting on each other or taking the same row.
SQLite: one writer at a time (`BEGIN IMMEDIATE`) already serializes workers; the claim is a
compare-and-set update that re-checks the lease in its own WHERE clause.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

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


class SqlTimerRepository:
    """Implements TimerRepository; at most one timer per alert (a unique column)."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def arm(self, timer: AckTimer) -> None:
        self.cancel_for_alert(timer.alert_id)
        self._db.execute(
            timers.insert().values(
                id=timer.id,
                alert_id=timer.alert_id,
                level=timer.level,
                pass_number=timer.pass_number,
                due_at=timer.due_at,
            )
        )
        self._db.wrote_work = True

    def cancel_for_alert(self, alert_id: UUID) -> None:
        self._db.execute(timers.delete().where(timers.c.alert_id == alert_id))

    def pending_for_alert(self, alert_id: UUID) -> AckTimer | None:
        row = self._db.one_or_none(timers.select().where(timers.c.alert_id == alert_id))
        return timer_from_row(row) if row is not None else None

    def claim_next_due(self, now: datetime) -> AckTimer | None:
        query = (
            sa.select(timers)
            .where(timers.c.due_at <= now)
            .order_by(timers.c.due_at, timers.c.id)
            .limit(1)
        )
        if self._db.is_postgres:
            # Lock the alert with its timer, in one statement, skipping both when either is
            # held: an acknowledge holding the alert (and about to delete this timer) is
            # never waited for, so the two cannot deadlock on alert-then-timer order.
            query = query.join(alerts, alerts.c.id == timers.c.alert_id).with_for_update(
                of=[timers, alerts], skip_locked=True
            )
        row = self._db.one_or_none(query)
        return timer_from_row(row) if row is not None else None

    def remove(self, timer_id: UUID) -> bool:
        result = self._db.execute(timers.delete().where(timers.c.id == timer_id))
        return result.rowcount == 1

    def next_due_at(self) -> datetime | None:
        due: datetime | None = self._db.execute(sa.select(sa.func.min(timers.c.due_at))).scalar()
        return due

    def count(self) -> int:
        return int(self._db.execute(sa.select(sa.func.count()).select_from(timers)).scalar_one())


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    lease_free = sa.or_(notifications.c.lease_until.is_(None), notifications.c.lease_until <= now)
    return sa.and_(
        notifications.c.status == _PENDING, notifications.c.next_attempt_at <= now, lease_free
    )


def _ordered(rows: list[Notification]) -> list[Notification]:
    return sorted(rows, key=lambda n: (n.next_attempt_at, n.created_at, str(n.id)))


class SqlNotificationRepository:
    """Implements NotificationRepository: the outbox, leased to dispatchers."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, notification: Notification) -> None:
        self._db.execute(notifications.insert().values(notification_to_row(notification)))
        self._db.wrote_work = True

    def get(self, notification_id: UUID) -> Notification | None:
        query = notifications.select().where(notifications.c.id == notification_id)
        row = self._db.one_or_none(query)
        return notification_from_row(row) if row is not None else None

    def update(self, notification: Notification) -> None:
        self._db.execute(
            notifications.update()
            .where(notifications.c.id == notification.id)
            .values(notification_state(notification))
        )

    def list_for_alert(self, alert_id: UUID) -> list[Notification]:
        return self._list(notifications.c.alert_id == alert_id)

    def list_for_level(self, alert_id: UUID, level: int, pass_number: int) -> list[Notification]:
        return self._list(
            notifications.c.alert_id == alert_id,
            notifications.c.level == level,
            notifications.c.pass_number == pass_number,
        )

    def _list(self, *conditions: sa.ColumnElement[bool]) -> list[Notification]:
        query = (
            notifications.select()
            .where(*conditions)
            .order_by(notifications.c.created_at, notifications.c.id)
        )
        return [notification_from_row(row) for row in self._db.all(query)]

    def cancel_pending_for_alert(self, alert_id: UUID) -> list[Notification]:
        # A leased page is left to its dispatcher, which cancels it when it sees the alert.
        statement = (
            notifications.update()
            .where(
                notifications.c.alert_id == alert_id,
                notifications.c.status == _PENDING,
                notifications.c.lease_owner.is_(None),
            )
            .values(status=NotificationStatus.CANCELLED.value)
            .returning(*notifications.c)
        )
        rows = [notification_from_row(row) for row in self._db.all(statement)]
        return sorted(rows, key=lambda n: (n.created_at, str(n.id)))

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[Notification]:
        due = (
            sa.select(notifications.c.id)
            .where(_claimable(now))
            .order_by(
                notifications.c.next_attempt_at, notifications.c.created_at, notifications.c.id
            )
            .limit(limit)
        )
        if self._db.is_postgres:
            # A materialized CTE runs once. As a plain sub-select PostgreSQL may rescan it
            # for each row updated, and every rescan skips the rows this very statement has
            # just locked: LIMIT n would then claim more than n.
            chosen = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
            matches: sa.ColumnElement[bool] = notifications.c.id == chosen.c.id
        else:
            matches = notifications.c.id.in_(due)
        statement = (
            notifications.update()
            # The lease is checked again here: the compare-and-set that makes a claim
            # exclusive whatever the isolation of the sub-select.
            .where(matches, _claimable(now))
            .values(lease_owner=worker_id, lease_until=lease_until)
            .returning(*notifications.c)
        )
        return _ordered([notification_from_row(row) for row in self._db.all(statement)])

    def is_claimed_by(self, notification_id: UUID, worker_id: str) -> bool:
        query = sa.select(notifications.c.lease_owner).where(notifications.c.id == notification_id)
        return self._db.execute(query).scalar() == worker_id

    def release(self, notification_id: UUID) -> None:
        self._db.execute(
            notifications.update()
            .where(notifications.c.id == notification_id)
            .values(lease_owner=None, lease_until=None)
        )

    def next_attempt_at(self) -> datetime | None:
        query = sa.select(sa.func.min(notifications.c.next_attempt_at)).where(
            notifications.c.status == _PENDING
        )
        due: datetime | None = self._db.execute(query).scalar()
        return due

    def count_pending(self) -> int:
        query = sa.select(sa.func.count()).where(notifications.c.status == _PENDING)
        return int(self._db.execute(query).scalar_one())
