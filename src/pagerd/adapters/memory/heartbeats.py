"""In-memory heartbeat monitors."""

from __future__ import annotations

import copy
from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import StoreState
from pagerd.domain.heartbeat import Heartbeat


class InMemoryHeartbeatRepository:
    """Implements HeartbeatRepository over the in-memory store (copies in and out, as a
    database would: a caller's object is never the stored one)."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, heartbeat: Heartbeat) -> None:
        self._s.heartbeats[heartbeat.id] = copy.copy(heartbeat)

    def get(self, heartbeat_id: UUID) -> Heartbeat | None:
        found = self._s.heartbeats.get(heartbeat_id)
        return copy.copy(found) if found is not None else None

    def get_by_name(self, service_id: UUID, name: str) -> Heartbeat | None:
        return next(
            (
                copy.copy(h)
                for h in self._s.heartbeats.values()
                if h.monitored_service_id == service_id and h.name == name
            ),
            None,
        )

    def get_by_token_for_update(self, ping_token: str) -> Heartbeat | None:
        return next(
            (copy.copy(h) for h in self._s.heartbeats.values() if h.ping_token == ping_token),
            None,
        )

    def list_for_service(self, service_id: UUID) -> list[Heartbeat]:
        found = [h for h in self._s.heartbeats.values() if h.monitored_service_id == service_id]
        found.sort(key=lambda h: (h.created_at, str(h.id)))
        return [copy.copy(h) for h in found]

    def update(self, heartbeat: Heartbeat) -> None:
        if heartbeat.id in self._s.heartbeats:
            self._s.heartbeats[heartbeat.id] = copy.copy(heartbeat)

    def delete(self, heartbeat_id: UUID) -> None:
        self._s.heartbeats.pop(heartbeat_id, None)

    def claim_missed(self, now: datetime, limit: int) -> list[Heartbeat]:
        due = [
            h
            for h in self._s.heartbeats.values()
            if h.deadline_at is not None and h.deadline_at < now
        ]
        due.sort(key=lambda h: (h.deadline_at or now, str(h.id)))
        return [copy.copy(h) for h in due[:limit]]

    def next_deadline_at(self) -> datetime | None:
        deadlines = [h.deadline_at for h in self._s.heartbeats.values() if h.deadline_at]
        return min(deadlines, default=None)
