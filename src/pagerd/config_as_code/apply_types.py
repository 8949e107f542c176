"""What applying a configuration changes, one `Change` at a time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """What a change does."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class Change:
    """One change to the database; `str()` says it for people.

    `fields` lists what an update changes, one `field: old -> new` line each.
    """

    action: Action
    # service, escalation policy, integration key; user, contact method, notification rules
    subject: str
    service_name: str  # or the user's name, for the last three
    detail: str = ""
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        what = self.subject if self.subject in ("service", "user") else f"{self.subject} of"
        text = f"{self.action} {what} {self.service_name!r}"
        return f"{text}: {self.detail}" if self.detail else text
