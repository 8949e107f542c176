"""Use cases of console users: create one, check a password.

Passwords are stored only as argon2id hashes (argon2-cffi's defaults, RFC 9106's
low-memory profile). Checking a password costs the same whether the username exists or
not, so the time of an answer does not tell which part of a sign-in was wrong.
"""

from __future__ import annotations

import re
from functools import cache
from uuid import uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pagerd.domain.accounts import User
from pagerd.service_layer.errors import Conflict, UseCaseError
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 64
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


class InvalidUser(UseCaseError):
    """A username or password that breaks the rules (the message says which rule)."""

    code = "invalid_user"


class UsernameTaken(Conflict):
    """Another user already has this username."""

    code = "username_taken"


@cache
def default_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's default cost (RFC 9106 low-memory profile)."""
    return PasswordHasher()


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when the username is unknown, so that case costs a full argon2 run too.
    return hasher.hash("pagerd-no-such-user")


def username_problem(username: str) -> str | None:
    """Why `username` cannot be used, or None when it can."""
    if not 1 <= len(username) <= MAX_USERNAME_LENGTH:
        return f"a username has 1 to {MAX_USERNAME_LENGTH} characters"
    if not _USERNAME.match(username):
        return "a username uses letters, digits and . _ @ - and starts with a letter or digit"
    return None


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used, or None when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password has at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"a password has at most {MAX_PASSWORD_LENGTH} characters"
    return None


@retry_on_conflict
def create_user(
    uow: UnitOfWork,
    clock: Clock,
    username: str,
    password: str,
    hasher: PasswordHasher | None = None,
) -> User:
    """Create a console user with an argon2 hash of `password`.

    Raises InvalidUser for a bad username or password, UsernameTaken when the name exists.
    `hasher` sets the argon2 cost (default: `default_hasher()`).
    """
    username = username.strip()
    problem = username_problem(username) or password_problem(password)
    if problem is not None:
        raise InvalidUser(problem)
    password_hash = (hasher or default_hasher()).hash(password)
    with uow:
        if uow.users.get_by_username(username) is not None:
            raise UsernameTaken(f"a user named {username!r} already exists")
        user = User(uuid4(), username, password_hash, clock.now())
        uow.users.add(user)
        uow.commit()
        return user


def check_password(
    uow: UnitOfWork, username: str, password: str, hasher: PasswordHasher | None = None
) -> User | None:
    """The user when `password` is theirs, else None (unknown user and wrong password alike).

    A hash made with other argon2 parameters than `hasher`'s is upgraded on a successful check.
    """
    hasher = hasher or default_hasher()
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    with uow:
        user = uow.users.get_by_username(username.strip())
        if user is None:
            _matches(hasher, _dummy_hash(hasher), password)
            return None
        if not _matches(hasher, user.password_hash, password):
            return None
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
            uow.users.update(user)
            uow.commit()
        return user


def _matches(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
