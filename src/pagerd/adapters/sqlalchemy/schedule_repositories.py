"""Schedules and overrides on SQLAlchemy Core; layers are stored as JSON with their schedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import calendar_feeds, schedule_overrides, schedules
from pagerd.domain.schedule import (
    DAY_NAMES,
    Layer,
    Override,
    Restriction,
    Rotation,
    RotationType,
    Schedule,
)
from pagerd.service_layer.schedule_ports import Cursor

_BY_ID = schedules.select().where(schedules.c.id == sa.bindparam("p_id"))
_BY_NAME = schedules.select().where(schedules.c.name == sa.bindparam("p_name"))
_UPDATE = schedules.update().where(schedules.c.id == sa.bindparam("p_id"))
_DELETE = schedules.delete().where(schedules.c.id == sa.bindparam("p_id"))
_OVERRIDE_BY_ID = schedule_overrides.select().where(schedule_overrides.c.id == sa.bindparam("p_id"))
_DELETE_OVERRIDE = schedule_overrides.delete().where(
    schedule_overrides.c.id == sa.bindparam("p_id")
)
_DELETE_OVERRIDES_OF = schedule_overrides.delete().where(
    schedule_overrides.c.schedule_id == sa.bindparam("p_id")
)
_DELETE_FEED = calendar_feeds.delete().where(calendar_feeds.c.user_id == sa.bindparam("p_user_id"))
_FEED_BY_HASH = calendar_feeds.select().where(calendar_feeds.c.token_hash == sa.bindparam("p_hash"))
_OVERLAPPING = (
    schedule_overrides.select()
    .where(
        schedule_overrides.c.schedule_id == sa.bindparam("p_schedule_id"),
        schedule_overrides.c.start_at < sa.bindparam("p_end_at"),
        schedule_overrides.c.end_at > sa.bindparam("p_start_at"),
    )
    .order_by(schedule_overrides.c.start_at, schedule_overrides.c.id)
)


class SqlScheduleRepository:
    """Implements ScheduleRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, schedule: Schedule) -> None:
        self._db.execute(schedules.insert(), {"id": schedule.id, **_schedule_row(schedule)})

    def get(self, schedule_id: UUID) -> Schedule | None:
        row = self._db.one_or_none(_BY_ID, {"p_id": schedule_id})
        return None if row is None else schedule_from_row(row)

    def get_by_name(self, name: str) -> Schedule | None:
        row = self._db.one_or_none(_BY_NAME, {"p_name": name})
        return None if row is None else schedule_from_row(row)

    def update(self, schedule: Schedule) -> None:
        self._db.execute(_UPDATE, {"p_id": schedule.id, **_schedule_row(schedule)})

    def delete(self, schedule_id: UUID) -> None:
        # Explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys only when asked.
        self._db.execute(_DELETE_OVERRIDES_OF, {"p_id": schedule_id})
        self._db.execute(_DELETE, {"p_id": schedule_id})

    def add_override(self, override: Override) -> None:
        self._db.execute(
            schedule_overrides.insert(),
            {
                "id": override.id,
                "schedule_id": override.schedule_id,
                "user_id": override.user_id,
                "start_at": override.start_at,
                "end_at": override.end_at,
                "created_at": override.created_at,
            },
        )

    def get_override(self, override_id: UUID) -> Override | None:
        row = self._db.one_or_none(_OVERRIDE_BY_ID, {"p_id": override_id})
        return None if row is None else override_from_row(row)

    def delete_override(self, override_id: UUID) -> None:
        self._db.execute(_DELETE_OVERRIDE, {"p_id": override_id})

    def overrides_between(
        self, schedule_id: UUID, start_at: datetime, end_at: datetime
    ) -> list[Override]:
        rows = self._db.all(
            _OVERLAPPING,
            {"p_schedule_id": schedule_id, "p_start_at": start_at, "p_end_at": end_at},
        )
        return [override_from_row(row) for row in rows]

    def set_calendar_token(self, user_id: UUID, token_hash: str, created_at: datetime) -> None:
        self._db.execute(_DELETE_FEED, {"p_user_id": user_id})
        self._db.execute(
            calendar_feeds.insert(),
            {"user_id": user_id, "token_hash": token_hash, "created_at": created_at},
        )

    def user_of_calendar_token(self, token_hash: str) -> UUID | None:
        row = self._db.one_or_none(_FEED_BY_HASH, {"p_hash": token_hash})
        return None if row is None else UUID(str(row["user_id"]))

    def list(self, limit: int, after: Cursor | None = None) -> list[Schedule]:
        statement = page(schedules.select(), schedules, limit, after, newest_first=False)
        return [schedule_from_row(row) for row in self._db.all(statement)]


def _schedule_row(schedule: Schedule) -> dict[str, Any]:
    return {
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        "layers": layers_to_json(schedule.layers),
        "created_at": schedule.created_at,
    }


def schedule_from_row(row: RowMapping) -> Schedule:
    """A schedule from its row."""
    return Schedule(
        id=row["id"],
        name=row["name"],
        time_zone=row["time_zone"],
        layers=layers_from_json(row["layers"]),
        created_at=row["created_at"],
    )


def override_from_row(row: RowMapping) -> Override:
    """An override from its row."""
    return Override(
        id=row["id"],
        schedule_id=row["schedule_id"],
        user_id=row["user_id"],
        start_at=row["start_at"],
        end_at=row["end_at"],
        created_at=row["created_at"],
    )


def layers_to_json(layers: Sequence[Layer]) -> list[dict[str, Any]]:
    """The stored form of layers: the API's shape."""
    return [
        {
            "participants": [str(p) for p in layer.participants],
            "rotation": {
                "type": layer.rotation.type.value,
                "shift_length": layer.rotation.shift_length,
                "handoff": layer.rotation.handoff.isoformat(timespec="minutes"),
            },
            "restrictions": [
                {
                    "days": [DAY_NAMES[d] for d in sorted(r.days)],
                    "start": r.start.strftime("%H:%M"),
                    "end": r.end.strftime("%H:%M"),
                }
                for r in layer.restrictions
            ],
        }
        for layer in layers
    ]


def layers_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[Layer, ...]:
    """Layers from their stored form."""
    return tuple(
        Layer(
            participants=tuple(UUID(p) for p in layer["participants"]),
            rotation=Rotation(
                RotationType(layer["rotation"]["type"]),
                int(layer["rotation"]["shift_length"]),
                datetime.fromisoformat(layer["rotation"]["handoff"]),
            ),
            restrictions=tuple(
                Restriction(
                    frozenset(DAY_NAMES.index(d) for d in r["days"]),
                    time.fromisoformat(r["start"]),
                    time.fromisoformat(r["end"]),
                )
                for r in layer["restrictions"]
            ),
        )
        for layer in data
    )
