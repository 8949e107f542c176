"""Maintenance windows on SQLAlchemy Core (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import maintenance_windows as windows
from pagerd.domain.maintenance import MaintenanceWindow

_BY_ID = windows.select().where(windows.c.id == sa.bindparam("p_id"))
_UPDATE = windows.update().where(windows.c.id == sa.bindparam("p_id"))
_DELETE = windows.delete().where(windows.c.id == sa.bindparam("p_id"))
_OF_SERVICE = (
    windows.select()
    .where(windows.c.monitored_service_id == sa.bindparam("p_service_id"))
    .order_by(windows.c.end_at.desc(), windows.c.id)
    .limit(sa.bindparam("p_limit"))
)
_COVERING = (
    windows.select()
    .where(
        windows.c.monitored_service_id == sa.bindparam("p_service_id"),
        windows.c.ended_at.is_(None),
        windows.c.start_at <= sa.bindparam("p_at"),
        windows.c.end_at > sa.bindparam("p_at"),
    )
    .order_by(windows.c.end_at.desc(), windows.c.id)
    .limit(1)
)
# Served by the partial index ix_maintenance_windows_end_pending.
_ENDED = (
    windows.select()
    .where(windows.c.ended_at.is_(None), windows.c.end_at <= sa.bindparam("p_now"))
    .order_by(windows.c.end_at, windows.c.id)
    .limit(sa.bindparam("p_limit"))
)
_ENDED_LOCKED = _ENDED.with_for_update(skip_locked=True)
_NEXT_END = sa.select(sa.func.min(windows.c.end_at)).where(windows.c.ended_at.is_(None))


class SqlMaintenanceRepository:
    """Implements MaintenanceRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, window: MaintenanceWindow) -> None:
        self._db.execute(windows.insert(), {"id": window.id, **_row(window)})

    def get(self, window_id: UUID) -> MaintenanceWindow | None:
        row = self._db.one_or_none(_BY_ID, {"p_id": window_id})
        return _window(row) if row is not None else None

    def update(self, window: MaintenanceWindow) -> None:
        self._db.execute(_UPDATE, {"p_id": window.id, **_row(window)})

    def delete(self, window_id: UUID) -> None:
        self._db.execute(_DELETE, {"p_id": window_id})

    def list_for_service(self, service_id: UUID, limit: int) -> list[MaintenanceWindow]:
        rows = self._db.all(_OF_SERVICE, {"p_service_id": service_id, "p_limit": limit})
        return [_window(row) for row in rows]

    def covering(self, service_id: UUID, at: datetime) -> MaintenanceWindow | None:
        row = self._db.one_or_none(_COVERING, {"p_service_id": service_id, "p_at": at})
        return _window(row) if row is not None else None

    def claim_ended(self, now: datetime, limit: int) -> list[MaintenanceWindow]:
        query = self._db.pick(_ENDED, _ENDED_LOCKED)
        return [_window(row) for row in self._db.all(query, {"p_now": now, "p_limit": limit})]

    def next_end_at(self) -> datetime | None:
        value: datetime | None = self._db.execute(_NEXT_END).scalar()
        return value


def _row(window: MaintenanceWindow) -> dict[str, Any]:
    return {
        "monitored_service_id": window.monitored_service_id,
        "start_at": window.start_at,
        "end_at": window.end_at,
        "reason": window.reason,
        "created_at": window.created_at,
        "ended_at": window.ended_at,
    }


def _window(row: RowMapping) -> MaintenanceWindow:
    return MaintenanceWindow(
        id=row["id"],
        monitored_service_id=row["monitored_service_id"],
        start_at=row["start_at"],
        end_at=row["end_at"],
        reason=row["reason"],
        created_at=row["created_at"],
        ended_at=row["ended_at"],
    )
