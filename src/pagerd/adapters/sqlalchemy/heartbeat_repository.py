"""Heartbeat monitors on SQLAlchemy Core (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import heartbeats
from pagerd.domain.heartbeat import Heartbeat

_BY_ID = heartbeats.select().where(heartbeats.c.id == sa.bindparam("p_id"))
_BY_NAME = heartbeats.select().where(
    heartbeats.c.monitored_service_id == sa.bindparam("p_service_id"),
    heartbeats.c.name == sa.bindparam("p_name"),
)
_BY_TOKEN = heartbeats.select().where(heartbeats.c.ping_token == sa.bindparam("p_token"))
_BY_TOKEN_LOCKED = _BY_TOKEN.with_for_update()
_OF_SERVICE = (
    heartbeats.select()
    .where(heartbeats.c.monitored_service_id == sa.bindparam("p_service_id"))
    .order_by(heartbeats.c.created_at, heartbeats.c.id)
)
_UPDATE = heartbeats.update().where(heartbeats.c.id == sa.bindparam("p_id"))
_DELETE = heartbeats.delete().where(heartbeats.c.id == sa.bindparam("p_id"))
# Served by the partial index ix_heartbeats_deadline (only kept deadlines are in it).
_MISSED = (
    heartbeats.select()
    .where(heartbeats.c.deadline_at.is_not(None), heartbeats.c.deadline_at < sa.bindparam("p_now"))
    .order_by(heartbeats.c.deadline_at, heartbeats.c.id)
    .limit(sa.bindparam("p_limit"))
)
# Two workers take different heartbeats instead of waiting for (and repeating) each other.
_MISSED_LOCKED = _MISSED.with_for_update(skip_locked=True)
_NEXT_DEADLINE = sa.select(sa.func.min(heartbeats.c.deadline_at)).where(
    heartbeats.c.deadline_at.is_not(None)
)


class SqlHeartbeatRepository:
    """Implements HeartbeatRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, heartbeat: Heartbeat) -> None:
        self._db.execute(heartbeats.insert(), {"id": heartbeat.id, **_row(heartbeat)})

    def get(self, heartbeat_id: UUID) -> Heartbeat | None:
        row = self._db.one_or_none(_BY_ID, {"p_id": heartbeat_id})
        return _heartbeat(row) if row is not None else None

    def get_by_name(self, service_id: UUID, name: str) -> Heartbeat | None:
        row = self._db.one_or_none(_BY_NAME, {"p_service_id": service_id, "p_name": name})
        return _heartbeat(row) if row is not None else None

    def get_by_token_for_update(self, ping_token: str) -> Heartbeat | None:
        row = self._db.one_or_none(
            self._db.pick(_BY_TOKEN, _BY_TOKEN_LOCKED), {"p_token": ping_token}
        )
        return _heartbeat(row) if row is not None else None

    def list_for_service(self, service_id: UUID) -> list[Heartbeat]:
        return [_heartbeat(row) for row in self._db.all(_OF_SERVICE, {"p_service_id": service_id})]

    def update(self, heartbeat: Heartbeat) -> None:
        self._db.execute(_UPDATE, {"p_id": heartbeat.id, **_row(heartbeat)})

    def delete(self, heartbeat_id: UUID) -> None:
        self._db.execute(_DELETE, {"p_id": heartbeat_id})

    def claim_missed(self, now: datetime, limit: int) -> list[Heartbeat]:
        query = self._db.pick(_MISSED, _MISSED_LOCKED)
        return [_heartbeat(row) for row in self._db.all(query, {"p_now": now, "p_limit": limit})]

    def next_deadline_at(self) -> datetime | None:
        value: datetime | None = self._db.execute(_NEXT_DEADLINE).scalar()
        return value


def _row(heartbeat: Heartbeat) -> dict[str, Any]:
    return {
        "monitored_service_id": heartbeat.monitored_service_id,
        "name": heartbeat.name,
        "interval_seconds": int(heartbeat.interval.total_seconds()),
        "grace_seconds": int(heartbeat.grace.total_seconds()),
        "ping_token": heartbeat.ping_token,
        "created_at": heartbeat.created_at,
        "last_ping_at": heartbeat.last_ping_at,
        "deadline_at": heartbeat.deadline_at,
        "late": heartbeat.late,
    }


def _heartbeat(row: RowMapping) -> Heartbeat:
    return Heartbeat(
        id=row["id"],
        monitored_service_id=row["monitored_service_id"],
        name=row["name"],
        interval=timedelta(seconds=row["interval_seconds"]),
        grace=timedelta(seconds=row["grace_seconds"]),
        ping_token=row["ping_token"],
        created_at=row["created_at"],
        deadline_at=row["deadline_at"],
        last_ping_at=row["last_ping_at"],
        late=row["late"],
    )
