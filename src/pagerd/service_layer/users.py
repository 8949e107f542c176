"""Use cases of users: create one, check a password at sign-in; the rules of their fields.

Passwords are stored only as hashes made by the `PasswordHasher` port (argon2id in
production: `pagerd.adapters.passwords`). Checking a password costs the same whether the
user exists or not, so the time of an answer does not tell which part of a sign-in was
wrong. A user without a password (made through the API) cannot sign in until one is set.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4
from weakref import WeakKeyDictionary

from pagerd.domain.accounts import (
    DEFAULT_TIME_ZONE,
    User,
    email_problem,
    name_problem,
    time_zone_problem,
)
from pagerd.domain.errors import FieldError
from pagerd.domain.roles import COMMAND_LINE, Actor, Permission, Role
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import Conflict, Forbidden, InvalidFields
from pagerd.service_layer.passwords import PasswordHasher
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


class NameTaken(Conflict):
    """Another user already has this name."""

    code = "name_taken"


class EmailTaken(Conflict):
    """Another user already has this e-mail address."""

    code = "email_taken"


_DUMMY_HASHES: WeakKeyDictionary[PasswordHasher, str] = WeakKeyDictionary()


def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when the user is unknown, so that case costs a full hash check too
    # (made once per hasher: making it at each sign-in would cost more than a check).
    found = _DUMMY_HASHES.get(hasher)
    if found is None:
        found = _DUMMY_HASHES.setdefault(hasher, hasher.hash("pagerd-no-such-user"))
    return found


def hash_password(hasher: PasswordHasher | None, password: str) -> str:
    """`password` hashed by `hasher`; a use case given a password must be given a hasher."""
    if hasher is None:
        raise TypeError("a password needs a PasswordHasher (the container's password_hasher)")
    return hasher.hash(password)


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used, or None when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password has at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"a password has at most {MAX_PASSWORD_LENGTH} characters"
    return None


def field_problems(
    name: str | None = None,
    email: str | None = None,
    time_zone: str | None = None,
    password: str | None = None,
) -> list[FieldError]:
    """Every rule broken by the given fields (those left None are not checked)."""
    checks = (
        ("name", name, name_problem),
        ("email", email, email_problem),
        ("time_zone", time_zone, time_zone_problem),
        ("password", password, password_problem),
    )
    return [
        FieldError(field, problem)
        for field, value, rule in checks
        if value is not None and (problem := rule(value)) is not None
    ]


def require(actor: Actor, permission: Permission, what: str) -> None:
    """Raise Forbidden unless `actor`'s role grants `permission`; `what` names the action."""
    if not actor.can(permission):
        raise Forbidden(f"{actor.role.value}s may not {what}; ask an admin")


def user_view(user: User) -> dict[str, Any]:
    """A user as the audit log shows it: every field but the password, whether one is set."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "time_zone": user.time_zone,
        "disabled": user.disabled,
        "has_password": user.password_hash is not None,
    }


def check_unique(uow: UnitOfWork, user: User) -> None:
    """Raise NameTaken or EmailTaken when another user has `user`'s name or e-mail."""
    named = uow.users.get_by_name(user.name)
    if named is not None and named.id != user.id:
        raise NameTaken(f"a user named {user.name!r} already exists")
    if user.email is not None:
        mailed = uow.users.get_by_email(user.email)
        if mailed is not None and mailed.id != user.id:
            raise EmailTaken(f"another user has the e-mail address {user.email}")


@retry_on_conflict
def create_user(
    uow: UnitOfWork,
    clock: Clock,
    name: str,
    password: str | None = None,
    hasher: PasswordHasher | None = None,
    *,
    email: str | None = None,
    role: Role = Role.RESPONDER,
    time_zone: str = DEFAULT_TIME_ZONE,
    actor: Actor = COMMAND_LINE,
) -> User:
    """Create a user, with a hash of `password` by `hasher` when a password is given.

    Raises Forbidden unless `actor` is an admin, InvalidFields naming every bad field,
    NameTaken or EmailTaken. E-mail addresses are stored in lower case.
    """
    require(actor, Permission.CONFIGURE, "create users")
    name = name.strip()
    email = email.strip().lower() if email is not None else None
    problems = field_problems(name, email, time_zone, password)
    if problems:
        raise InvalidFields("the user has invalid fields", problems)
    password_hash = hash_password(hasher, password) if password else None
    with uow:
        user = User(uuid4(), name, email, role, time_zone, clock.now(), False, password_hash)
        check_unique(uow, user)
        uow.users.add(user)
        record_audit(uow, clock, actor, "user.created", user.id, after=user_view(user))
        uow.commit()
        return user


def check_password(
    uow: UnitOfWork, name: str, password: str, hasher: PasswordHasher
) -> User | None:
    """The user when `password` is theirs and they may sign in, else None (unknown user,
    wrong password, no password set and disabled user alike, at the same cost).

    A hash made with other parameters than `hasher`'s is upgraded on a successful check.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    with uow:
        user = uow.users.get_by_name(name.strip())
        if user is None or user.password_hash is None:
            hasher.verify(_dummy_hash(hasher), password)
            return None
        if not hasher.verify(user.password_hash, password) or not user.can_sign_in:
            return None
        if hasher.needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
            uow.users.update(user)
            uow.commit()
        return user


def every_user(uow: UnitOfWork, batch: int = 500) -> list[User]:
    """Every user, oldest first, read page by page (inside an open unit of work)."""
    found: list[User] = []
    page = uow.users.list(batch)
    while page:
        found.extend(page)
        last = page[-1]
        page = uow.users.list(batch, (last.created_at, last.id))
    return found
