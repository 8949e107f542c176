"""Message updates (edits owed to sent messages) in SQL, claimed under a lease like pages."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping as Row

from pagerd.adapters.sqlalchemy.attempts_codec import attempts_from_row, attempts_state
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import message_updates as t
from pagerd.domain.channels import Channel
from pagerd.domain.message_update import MessageUpdate
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.severity import Severity

_PENDING = NotificationStatus.PENDING.value
_INSERT = t.insert()
_BY_IDS = t.select().where(t.c.id.in_(sa.bindparam("p_ids", expanding=True)))
_FOR_ALERT = (
    t.select().where(t.c.alert_id == sa.bindparam("p_alert_id")).order_by(t.c.created_at, t.c.id)
)
_CLAIMABLE = sa.and_(
    t.c.status == _PENDING,
    t.c.next_attempt_at <= sa.bindparam("p_now"),
    sa.or_(t.c.lease_until.is_(None), t.c.lease_until <= sa.bindparam("p_now")),
)
_DUE = (
    sa.select(t.c.id)
    .where(_CLAIMABLE)
    .order_by(t.c.next_attempt_at, t.c.id)
    .limit(sa.bindparam("p_limit", type_=sa.Integer()))
)
# Compare-and-set, as for pages: the lease is taken only where the row is still claimable.
_CLAIM = (
    t.update()
    .where(t.c.id.in_(sa.bindparam("p_ids", expanding=True)), _CLAIMABLE)
    .values(lease_owner=sa.bindparam("p_owner"), lease_until=sa.bindparam("p_until"))
    .returning(*t.c)
)
_UPDATE = (
    t.update().where(t.c.id == sa.bindparam("p_id")).values(lease_owner=None, lease_until=None)
)
_RELEASE = (
    t.update()
    .where(t.c.id == sa.bindparam("p_id"), t.c.lease_owner == sa.bindparam("p_owner"))
    .values(lease_owner=None, lease_until=None)
)
_MIN_DUE = sa.select(sa.func.min(t.c.next_attempt_at)).where(t.c.status == _PENDING)


def _to_row(u: MessageUpdate) -> dict[str, Any]:
    return {
        "id": u.id,
        "alert_id": u.alert_id,
        "notification_id": u.notification_id,
        "channel": u.channel.value,
        "address": u.address,
        "message_ref": u.message_ref,
        "service_name": u.service_name,
        "message": u.message,
        "severity": u.severity.value,
        "state": u.state,
        "by": u.by,
        "at": u.at,
        "created_at": u.created_at,
        **attempts_state(u),
    }


def _from_row(row: Row) -> MessageUpdate:
    return MessageUpdate(
        id=row["id"],
        alert_id=row["alert_id"],
        notification_id=row["notification_id"],
        channel=Channel(row["channel"]),
        address=row["address"],
        message_ref=row["message_ref"],
        service_name=row["service_name"],
        message=row["message"],
        severity=Severity(row["severity"]),
        state=row["state"],
        by=row["by"],
        at=row["at"],
        created_at=row["created_at"],
        **attempts_from_row(row),
    )


class SqlMessageUpdateRepository:
    """Implements MessageUpdateRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add_many(self, updates: Sequence[MessageUpdate]) -> None:
        if updates:
            self._db.execute(_INSERT, [_to_row(u) for u in updates])
            self._db.wrote_work = True

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[MessageUpdate]:
        due = _DUE.with_for_update(skip_locked=True) if self._db.is_postgres else _DUE
        ids = list(self._db.execute(due, {"p_now": now, "p_limit": limit}).scalars())
        if not ids:
            return []
        params = {"p_ids": ids, "p_now": now, "p_owner": worker_id, "p_until": lease_until}
        claimed = [_from_row(row) for row in self._db.all(_CLAIM, params)]
        return sorted(claimed, key=lambda u: (u.next_attempt_at, str(u.id)))

    def get_many(self, update_ids: Collection[UUID]) -> dict[UUID, MessageUpdate]:
        if not update_ids:
            return {}
        rows = self._db.all(_BY_IDS, {"p_ids": list(update_ids)})
        return {row["id"]: _from_row(row) for row in rows}

    def update_many(self, updates: Sequence[MessageUpdate]) -> None:
        if updates:
            self._db.execute(_UPDATE, [{"p_id": u.id, **attempts_state(u)} for u in updates])

    def release(self, update_id: UUID, worker_id: str) -> None:
        self._db.execute(_RELEASE, {"p_id": update_id, "p_owner": worker_id})

    def list_for_alert(self, alert_id: UUID) -> list[MessageUpdate]:
        return [_from_row(row) for row in self._db.all(_FOR_ALERT, {"p_alert_id": alert_id})]

    def next_attempt_at(self) -> datetime | None:
        due: datetime | None = self._db.execute(_MIN_DUE).scalar()
        return due
