"""Whom a level of a policy would page right now: each target resolved at an instant.

For the service page ("level 1 would page ..."). It asks the same questions paging asks
when a level triggers, with the same code: a schedule target is resolved by
`resolve_schedule_target` (the person on call, disabled and deleted users counting as
nobody), and a person is reachable unless `unreachable_reason` says otherwise. Nothing is
written; addresses are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pagerd.domain.accounts import User
from pagerd.domain.policy import Level, ScheduleTarget, Target
from pagerd.service_layer.expansion import unreachable_reason
from pagerd.service_layer.on_call import resolve_schedule_target, schedule_summary
from pagerd.service_layer.ports import UnitOfWork


@dataclass(frozen=True)
class WouldPage:
    """One target as resolved now: `kind` is its type (email, sms, webhook, user,
    schedule), `text` says whom ("oncall@example.com", "alice", "Primary: alice"), and
    `nobody` says why it would reach nobody (None when it reaches someone)."""

    kind: str
    text: str
    nobody: str | None = None

    @property
    def note(self) -> str | None:
        """Why the target reaches nobody, unless its text already says so."""
        return None if self.nobody is None or self.nobody in self.text else self.nobody


def paged_now(uow: UnitOfWork, level: Level, at: datetime) -> list[WouldPage]:
    """Each target of `level` resolved at `at`, in order, inside an open unit of work."""
    found: list[WouldPage] = []
    for target in level.targets:
        if isinstance(target, Target):
            found.append(WouldPage(target.channel.value, target.address))
        elif isinstance(target, ScheduleTarget):
            resolution = resolve_schedule_target(uow, target.schedule_id, at)
            user_id = resolution.on_call.user_id
            user = uow.users.get(user_id) if user_id is not None else None
            text = schedule_summary(resolution.schedule, user)
            reason = _reason(uow, user) if user is not None else "nobody on call"
            found.append(WouldPage("schedule", text, reason))
        else:
            user = uow.users.get(target.user_id)
            text = user.name if user is not None else "a deleted user"
            found.append(WouldPage("user", text, _reason(uow, user)))
    return found


def _reason(uow: UnitOfWork, user: User | None) -> str | None:
    if user is None:
        return unreachable_reason(None, [])
    return unreachable_reason(user, uow.contact_methods.list_for_users([user.id])[user.id])
