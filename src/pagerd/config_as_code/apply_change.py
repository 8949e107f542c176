"""A change that applying a configuration makes, as told to people."""

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
    # "service", "escalation policy", "schedule" or "override"; "user", "contact method" or
    # "notification rules" (`service_name` is then the user's name)
    subject: str
    service_name: str  # the service's or the schedule's name
    detail: str = ""
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        whole = self.subject in ("service", "schedule", "user")
        what = self.subject if whole else f"{self.subject} of"
        text = f"{self.action} {what} {self.service_name!r}"
        return f"{text}: {self.detail}" if self.detail else text
