"""In-memory schedules and overrides (the values are frozen: stored as they are)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import StoreState
from pagerd.domain.schedule import Override, Schedule
from pagerd.service_layer.schedule_ports import Cursor


class InMemoryScheduleRepository:
    """Implements ScheduleRepository over the in-memory store."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, schedule: Schedule) -> None:
        self._s.schedules[schedule.id] = schedule

    def get(self, schedule_id: UUID) -> Schedule | None:
        return self._s.schedules.get(schedule_id)

    def get_by_name(self, name: str) -> Schedule | None:
        return next((s for s in self._s.schedules.values() if s.name == name), None)

    def update(self, schedule: Schedule) -> None:
        if schedule.id in self._s.schedules:
            self._s.schedules[schedule.id] = schedule

    def delete(self, schedule_id: UUID) -> None:
        self._s.schedules.pop(schedule_id, None)
        for override in list(self._s.overrides.values()):
            if override.schedule_id == schedule_id:
                del self._s.overrides[override.id]

    def add_override(self, override: Override) -> None:
        self._s.overrides[override.id] = override

    def get_override(self, override_id: UUID) -> Override | None:
        return self._s.overrides.get(override_id)

    def delete_override(self, override_id: UUID) -> None:
        self._s.overrides.pop(override_id, None)

    def overrides_between(
        self, schedule_id: UUID, start_at: datetime, end_at: datetime
    ) -> list[Override]:
        found = [
            o
            for o in self._s.overrides.values()
            if o.schedule_id == schedule_id and o.start_at < end_at and o.end_at > start_at
        ]
        return sorted(found, key=lambda o: (o.start_at, o.id))

    def set_calendar_token(self, user_id: UUID, token_hash: str, created_at: datetime) -> None:
        tokens = self._s.calendar_tokens
        for old in [h for h, owner in tokens.items() if owner == user_id]:
            del tokens[old]
        tokens[token_hash] = user_id

    def user_of_calendar_token(self, token_hash: str) -> UUID | None:
        return self._s.calendar_tokens.get(token_hash)

    def list(self, limit: int, after: Cursor | None = None) -> list[Schedule]:
        ordered = sorted(self._s.schedules.values(), key=lambda s: (s.created_at, s.id))
        return [s for s in ordered if after is None or (s.created_at, s.id) > after][:limit]
