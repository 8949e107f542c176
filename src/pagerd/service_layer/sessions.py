"""Use cases of console sessions: start one at sign-in, find who a cookie signs in, end one.

A session is a row keyed by the SHA-256 of a random secret that only the browser's cookie
holds. Every request looks the row up, so deleting it (sign-out, disabling or deleting
the user, a new password) refuses the very next request, in every pagerd process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from pagerd.domain.accounts import ConsoleSession, User
from pagerd.service_layer.ports import Clock, UnitOfWork

MAX_SECRET_LENGTH = 128


def hash_session_secret(secret: str) -> str:
    """SHA-256 of a session secret, hex (what the table stores)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start_session(uow: UnitOfWork, clock: Clock, user: User, lifetime: timedelta) -> str:
    """Store a new session of `user` lasting `lifetime`; return its secret for the cookie.

    The user's expired sessions are cleared on the way, so the table does not grow.
    """
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    with uow:
        uow.sessions.delete_expired_for_user(user.id, now)
        uow.sessions.add(ConsoleSession(hash_session_secret(secret), user.id, now, now + lifetime))
        uow.commit()
    return secret


def signed_in_user(uow: UnitOfWork, clock: Clock, secret: str) -> User | None:
    """The user a session secret signs in: None when the session is unknown, ended or
    expired, or its user is disabled (or gone)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    with uow:
        session = uow.sessions.get(hash_session_secret(secret))
        if session is None or not session.is_valid_at(clock.now()):
            return None
        user = uow.users.get(session.user_id)
    if user is None or user.disabled:
        return None
    return user


def end_session(uow: UnitOfWork, secret: str) -> None:
    """Sign out: delete the session (idempotent)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return
    with uow:
        uow.sessions.delete(hash_session_secret(secret))
        uow.commit()
