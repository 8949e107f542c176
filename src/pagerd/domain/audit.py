"""The audit log: who changed what, when, and how it looked before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class AuditEntry:
    """One change of configuration or one action on an incident.

    `action` is `<subject type>.<past-tense verb>` (`service.deleted`, `alert.acknowledged`);
    `subject_id` names the thing changed; `before` and `after` are JSON-friendly snapshots
    (None where the thing did not exist), secrets left out. `actor_id` is the user's id, or
    None for tokens of nobody, the command line and pagerd itself; `actor_name` keeps the
    name as it was, so the entry still reads right after the user is renamed or deleted.
    """

    id: UUID
    created_at: datetime
    actor_id: UUID | None
    actor_name: str
    action: str
    subject_id: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    @property
    def subject_type(self) -> str:
        """What kind of thing changed: the part of `action` before the dot."""
        return self.action.partition(".")[0]
