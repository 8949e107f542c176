"""The port for heartbeat monitors (see domain/heartbeat.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from pagerd.domain.heartbeat import Heartbeat


class HeartbeatRepository(Protocol):
    """Heartbeats; a name is unique within its service, a ping token unique overall.

    Deleting a service deletes its heartbeats.
    """

    def add(self, heartbeat: Heartbeat) -> None: ...
    def get(self, heartbeat_id: UUID) -> Heartbeat | None: ...
    def get_by_name(self, service_id: UUID, name: str) -> Heartbeat | None: ...
    def get_by_token_for_update(self, ping_token: str) -> Heartbeat | None:
        """The heartbeat of this ping token, its row locked until commit."""
        ...

    def list_for_service(self, service_id: UUID) -> list[Heartbeat]:
        """Oldest first."""
        ...

    def update(self, heartbeat: Heartbeat) -> None: ...
    def delete(self, heartbeat_id: UUID) -> None: ...
    def claim_missed(self, now: datetime, limit: int) -> list[Heartbeat]:
        """Up to `limit` heartbeats whose deadline is before `now`, earliest first, locked
        until commit (PostgreSQL: rows another transaction holds are skipped, never waited
        for; SQLite: the transaction already holds the write lock)."""
        ...

    def next_deadline_at(self) -> datetime | None:
        """The earliest deadline kept, None when no heartbeat has one."""
        ...
