"""What refers to a user and forbids deleting them: the port, and the finders pagerd has.

A finder answers "what here needs this user?" inside the deleting unit of work:
`(uow, user_id) -> [UserReference, ...]`. Deleting a user is refused (409) while any
finder answers something, and the answer names every reference found. A feature that
makes things refer to users (a rotation's participants, a policy's user targets) adds its
finder to `USER_REFERENCE_FINDERS`: one line.

What dies with the user is no reference: their API tokens and console sessions are deleted
with them; the audit log keeps their name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.schedules import schedules_naming


@dataclass(frozen=True)
class UserReference:
    """Something that needs a user: its kind (`rotation`, `escalation policy`), id and name."""

    kind: str
    id: UUID
    name: str

    def describe(self) -> str:
        """`escalation policy "checkout" (<id>)`, for a person reading the 409."""
        return f'{self.kind} "{self.name}" ({self.id})'


UserReferenceFinder = Callable[[UnitOfWork, UUID], Sequence[UserReference]]


def rotations_left_empty(uow: UnitOfWork, user_id: UUID) -> list[UserReference]:
    """The schedules with a layer whose only participant is `user_id`: deleting them would
    leave that rotation with nobody on call."""
    return [
        UserReference("rotation of schedule", schedule.id, schedule.name)
        for schedule, alone in schedules_naming(uow, user_id)
        if alone
    ]


USER_REFERENCE_FINDERS: tuple[UserReferenceFinder, ...] = (rotations_left_empty,)
"""Every finder pagerd runs before deleting a user (user targets of policies add theirs)."""


def references_to(
    uow: UnitOfWork, user_id: UUID, finders: Sequence[UserReferenceFinder]
) -> list[UserReference]:
    """What `finders` find referring to `user_id`, in their order."""
    return [found for finder in finders for found in finder(uow, user_id)]
