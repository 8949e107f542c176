"""The port for maintenance windows (see domain/maintenance.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from pagerd.domain.maintenance import MaintenanceWindow


class MaintenanceRepository(Protocol):
    """Maintenance windows; deleting a service deletes its windows."""

    def add(self, window: MaintenanceWindow) -> None: ...
    def get(self, window_id: UUID) -> MaintenanceWindow | None: ...
    def update(self, window: MaintenanceWindow) -> None: ...
    def delete(self, window_id: UUID) -> None: ...
    def list_for_service(self, service_id: UUID, limit: int) -> list[MaintenanceWindow]:
        """The service's windows, latest end first, at most `limit`."""
        ...

    def covering(self, service_id: UUID, at: datetime) -> MaintenanceWindow | None:
        """A window of the service under way at `at` (the one ending last), or None."""
        ...

    def claim_ended(self, now: datetime, limit: int) -> list[MaintenanceWindow]:
        """Up to `limit` windows whose end has come (`end_at <= now`) and was not acted on,
        earliest first, locked until commit (PostgreSQL: rows another transaction holds are
        skipped, never waited for; SQLite: the transaction holds the write lock)."""
        ...

    def next_end_at(self) -> datetime | None:
        """The earliest end not yet acted on, None when there is none."""
        ...
