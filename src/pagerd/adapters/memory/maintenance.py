"""In-memory maintenance windows."""

from __future__ import annotations

import copy
from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import StoreState
from pagerd.domain.maintenance import MaintenanceWindow


class InMemoryMaintenanceRepository:
    """Implements MaintenanceRepository over the in-memory store (copies in and out)."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, window: MaintenanceWindow) -> None:
        self._s.maintenance_windows[window.id] = copy.copy(window)

    def get(self, window_id: UUID) -> MaintenanceWindow | None:
        found = self._s.maintenance_windows.get(window_id)
        return copy.copy(found) if found is not None else None

    def update(self, window: MaintenanceWindow) -> None:
        if window.id in self._s.maintenance_windows:
            self._s.maintenance_windows[window.id] = copy.copy(window)

    def delete(self, window_id: UUID) -> None:
        self._s.maintenance_windows.pop(window_id, None)

    def list_for_service(self, service_id: UUID, limit: int) -> list[MaintenanceWindow]:
        found = [
            w for w in self._s.maintenance_windows.values() if w.monitored_service_id == service_id
        ]
        found.sort(key=lambda w: str(w.id))
        found.sort(key=lambda w: w.end_at, reverse=True)
        return [copy.copy(w) for w in found[:limit]]

    def covering(self, service_id: UUID, at: datetime) -> MaintenanceWindow | None:
        under_way = [
            w
            for w in self.list_for_service(service_id, len(self._s.maintenance_windows))
            if w.covers(at)
        ]
        return under_way[0] if under_way else None

    def claim_ended(self, now: datetime, limit: int) -> list[MaintenanceWindow]:
        due = [
            w
            for w in self._s.maintenance_windows.values()
            if w.ended_at is None and w.end_at <= now
        ]
        due.sort(key=lambda w: (w.end_at, str(w.id)))
        return [copy.copy(w) for w in due[:limit]]

    def next_end_at(self) -> datetime | None:
        ends = [w.end_at for w in self._s.maintenance_windows.values() if w.ended_at is None]
        return min(ends, default=None)
