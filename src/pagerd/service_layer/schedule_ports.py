"""The port for on-call schedules and their overrides (see domain/schedule.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from pagerd.domain.schedule import Override, Schedule

Cursor = tuple[datetime, UUID]


class ScheduleRepository(Protocol):
    """Schedules (their layers stored with them) and overrides. Names are unique."""

    def add(self, schedule: Schedule) -> None: ...
    def get(self, schedule_id: UUID) -> Schedule | None: ...
    def get_by_name(self, name: str) -> Schedule | None: ...
    def update(self, schedule: Schedule) -> None:
        """Replace the schedule's name, zone and layers."""
        ...

    def delete(self, schedule_id: UUID) -> None:
        """Delete the schedule and its overrides."""
        ...

    def add_override(self, override: Override) -> None: ...
    def get_override(self, override_id: UUID) -> Override | None: ...
    def delete_override(self, override_id: UUID) -> None: ...
    def overrides_between(
        self, schedule_id: UUID, start_at: datetime, end_at: datetime
    ) -> list[Override]:
        """The schedule's overrides overlapping [start_at, end_at), by start."""
        ...

    def set_calendar_token(self, user_id: UUID, token_hash: str, created_at: datetime) -> None:
        """Give the user's calendar feed this token (hash), replacing any earlier one."""
        ...

    def user_of_calendar_token(self, token_hash: str) -> UUID | None:
        """The user whose calendar feed has this token (hash), if any."""
        ...

    def list(self, limit: int, after: Cursor | None = None) -> list[Schedule]:
        """Oldest first."""
        ...
