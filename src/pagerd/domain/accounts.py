"""Who may use pagerd: users (people, with a role), their API tokens and console sessions.

Secrets are stored hashed only: passwords with argon2, token and session secrets with
SHA-256 (they are random, so a fast hash is enough).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from uuid import UUID
from zoneinfo import available_timezones

from pagerd.domain.roles import Actor, Role

DEFAULT_TIME_ZONE = "UTC"
MAX_NAME_LENGTH = 64
MAX_EMAIL_LENGTH = 254
_NAME = re.compile(r"^[^\W_](?:[\w.@' -]*[\w.@'-])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ApiToken:
    """A bearer token for `/api/v1`. `token_hash` is SHA-256 of the secret; the secret is
    shown once at creation and never stored. A token acts as its user (`user_id`), with the
    user's role; a token of nobody (made before tokens had users) acts as an admin."""

    id: UUID
    name: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    user_id: UUID | None = None

    @property
    def is_active(self) -> bool:
        """Whether the token still opens the API (its user may still be disabled)."""
        return self.revoked_at is None


@dataclass
class User:
    """A person: paged through their contact methods, signing in to the console when they
    have a password. `name` is unique and is what they sign in with. A disabled user can
    neither sign in nor use their tokens, and is never paged."""

    id: UUID
    name: str
    email: str | None
    role: Role
    time_zone: str
    created_at: datetime
    disabled: bool = False
    password_hash: str | None = None

    @property
    def is_pageable(self) -> bool:
        """Whether pagerd may page this user (a disabled user is never paged)."""
        return not self.disabled

    @property
    def can_sign_in(self) -> bool:
        """Whether the user may sign in: enabled, with a password set."""
        return not self.disabled and self.password_hash is not None

    def as_actor(self) -> Actor:
        """The user as the author of actions, with their role."""
        return Actor(self.name, self.role, self.id)


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in console session. The browser's cookie holds a random secret; the row
    holds its SHA-256 (`secret_hash`). Deleting the row ends the session at once."""

    secret_hash: str
    user_id: UUID
    created_at: datetime
    expires_at: datetime

    def is_valid_at(self, now: datetime) -> bool:
        """Whether the session has not yet expired at `now`."""
        return self.created_at <= now < self.expires_at


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a user's name, or None when it can."""
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        return f"a name has 1 to {MAX_NAME_LENGTH} characters"
    if not _NAME.match(name):
        return (
            "a name uses letters, digits, spaces and . @ ' - _, starts with a letter or a "
            "digit and does not end with a space"
        )
    return None


def email_problem(email: str) -> str | None:
    """Why `email` cannot be a user's e-mail address, or None when it can."""
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        return "is not an e-mail address (name@example.com)"
    return None


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_problem(time_zone: str) -> str | None:
    """Why `time_zone` is not an IANA time zone name (`Europe/Paris`), or None."""
    if time_zone not in _time_zones():
        return "is not an IANA time zone name (for example Europe/Paris or UTC)"
    return None
