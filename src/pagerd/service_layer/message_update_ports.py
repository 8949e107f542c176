"""Port of message updates (edits owed to sent messages), part of the unit of work.

Adapters: `adapters/memory/message_updates.py`, `adapters/sqlalchemy/message_update_repository.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from pagerd.domain.message_update import MessageUpdate


class MessageUpdateRepository(Protocol):
    """Edits owed to sent messages: a small outbox, claimed under a lease like pages."""

    def add_many(self, updates: Sequence[MessageUpdate]) -> None: ...
    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[MessageUpdate]:
        """Lease due pending edits (including ones whose lease expired) to `worker_id`."""
        ...

    def get_many(self, update_ids: Collection[UUID]) -> dict[UUID, MessageUpdate]: ...
    def update_many(self, updates: Sequence[MessageUpdate]) -> None:
        """Store each edit's state and drop its lease."""
        ...

    def release(self, update_id: UUID, worker_id: str) -> None:
        """Drop the lease if `worker_id` still holds it."""
        ...

    def list_for_alert(self, alert_id: UUID) -> list[MessageUpdate]: ...
    def next_attempt_at(self) -> datetime | None: ...
