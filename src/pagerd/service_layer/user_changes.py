"""Use cases that change or remove a user: edit fields, disable, change role, set a
password, delete.

Every change is checked against the actor (admins change anyone; responders their own
profile, never their role or state), written to the audit log in the same unit of work,
and never leaves pagerd without an enabled admin. Disabling, deleting and setting a new
password end the user's console sessions at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pagerd.domain.accounts import User
from pagerd.domain.roles import COMMAND_LINE, Actor, Permission, Role
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import Conflict, Forbidden, InvalidFields, NotFound
from pagerd.service_layer.passwords import PasswordHasher
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.user_references import (
    USER_REFERENCE_FINDERS,
    UserReferenceFinder,
    references_to,
)
from pagerd.service_layer.users import (
    check_unique,
    field_problems,
    hash_password,
    require,
    user_view,
)


class LastAdmin(Conflict):
    """The change would leave pagerd without an enabled admin (nobody could administer it)."""

    code = "last_admin"


class UserInUse(Conflict):
    """The user is still needed (the message names by what): remove them there first."""

    code = "user_in_use"


@dataclass(frozen=True)
class UserChanges:
    """Fields to change; None leaves a field as it is."""

    name: str | None = None
    email: str | None = None
    time_zone: str | None = None
    role: Role | None = None
    disabled: bool | None = None

    def touches_access(self) -> bool:
        """Whether the change is to the role or the disabled state (admins only)."""
        return self.role is not None or self.disabled is not None


def _locked_user(uow: UnitOfWork, user_id: UUID) -> User:
    user = uow.users.get_for_update(user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def _keep_an_admin(uow: UnitOfWork, before: User, after: User | None) -> None:
    was_admin = before.role is Role.ADMIN and not before.disabled
    stays_admin = after is not None and after.role is Role.ADMIN and not after.disabled
    if was_admin and not stays_admin and uow.users.count_enabled_admins() <= 1:
        raise LastAdmin(f"{before.name} is the only enabled admin; make another admin first")


@retry_on_conflict
def update_user(
    uow: UnitOfWork, clock: Clock, user_id: UUID, changes: UserChanges, actor: Actor = COMMAND_LINE
) -> User:
    """Apply `changes` to a user. Raises Forbidden (another user's profile without being an
    admin, or one's own role or state), InvalidFields, NameTaken, EmailTaken, LastAdmin or
    NotFound. Disabling ends the user's sessions."""
    if not actor.may_edit_profile_of(user_id):
        raise Forbidden("only admins may change other users; you may change your own profile")
    if changes.touches_access():
        require(actor, Permission.CONFIGURE, "change roles or disable users")
    email = changes.email.strip().lower() if changes.email is not None else None
    name = changes.name.strip() if changes.name is not None else None
    problems = field_problems(name, email, changes.time_zone)
    if problems:
        raise InvalidFields("the user has invalid fields", problems)
    with uow:
        before = _locked_user(uow, user_id)
        after = dataclasses.replace(
            before,
            name=name if name is not None else before.name,
            email=email if email is not None else before.email,
            time_zone=changes.time_zone or before.time_zone,
            role=changes.role or before.role,
            disabled=changes.disabled if changes.disabled is not None else before.disabled,
        )
        if after == before:
            return before
        check_unique(uow, after)
        _keep_an_admin(uow, before, after)
        uow.users.update(after)
        if after.disabled and not before.disabled:
            uow.sessions.delete_for_user(user_id)
        record_audit(
            uow,
            clock,
            actor,
            "user.updated",
            user_id,
            before=user_view(before),
            after=user_view(after),
        )
        uow.commit()
        return after


def set_disabled(
    uow: UnitOfWork, clock: Clock, user_id: UUID, disabled: bool, actor: Actor = COMMAND_LINE
) -> User:
    """Disable (sessions end, tokens stop working, never paged) or enable a user."""
    return update_user(uow, clock, user_id, UserChanges(disabled=disabled), actor)


def set_role(
    uow: UnitOfWork, clock: Clock, user_id: UUID, role: Role, actor: Actor = COMMAND_LINE
) -> User:
    """Give a user another role; it applies to their sessions and tokens at once."""
    return update_user(uow, clock, user_id, UserChanges(role=role), actor)


@retry_on_conflict
def set_password(
    uow: UnitOfWork,
    clock: Clock,
    user_id: UUID,
    password: str,
    actor: Actor = COMMAND_LINE,
    hasher: PasswordHasher | None = None,
) -> User:
    """Set a new password (admins for anyone, responders their own) and end every console
    session of the user. Raises Forbidden, InvalidFields or NotFound."""
    if not actor.may_edit_profile_of(user_id):
        raise Forbidden("only admins may set other users' passwords")
    problems = field_problems(password=password)
    if problems:
        raise InvalidFields("the password is not allowed", problems)
    password_hash = hash_password(hasher, password)
    with uow:
        user = _locked_user(uow, user_id)
        user.password_hash = password_hash
        uow.users.update(user)
        ended = uow.sessions.delete_for_user(user_id)
        record_audit(
            uow, clock, actor, "user.password_set", user_id, after={"sessions_ended": ended}
        )
        uow.commit()
        return user


@retry_on_conflict
def delete_user(
    uow: UnitOfWork,
    clock: Clock,
    user_id: UUID,
    actor: Actor = COMMAND_LINE,
    finders: Sequence[UserReferenceFinder] = USER_REFERENCE_FINDERS,
) -> None:
    """Delete a user with their tokens and sessions. Raises Forbidden, NotFound, UserInUse
    (naming what still needs the user) or LastAdmin."""
    require(actor, Permission.CONFIGURE, "delete users")
    with uow:
        user = _locked_user(uow, user_id)
        found = references_to(uow, user_id, finders)
        if found:
            named = "; ".join(ref.describe() for ref in found)
            raise UserInUse(f"{user.name} is still needed by: {named}; remove them there first")
        _keep_an_admin(uow, user, None)
        uow.users.delete(user_id)
        record_audit(uow, clock, actor, "user.deleted", user_id, before=user_view(user))
        uow.commit()


def find_user(uow: UnitOfWork, name: str) -> User:
    """The user named `name`; NotFound otherwise."""
    with uow:
        user = uow.users.get_by_name(name.strip())
    if user is None:
        raise NotFound("user", name)
    return user
