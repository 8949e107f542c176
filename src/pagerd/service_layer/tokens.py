"""Use cases of API tokens: create (the secret is shown once), authenticate, list, revoke.

A token acts as its user, with the user's role at the time of each request (a role change
or disabling applies at once); a token of nobody (made before tokens had users, or
`--user` left out) acts as an admin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID, uuid4

from pagerd.domain.accounts import ApiToken
from pagerd.domain.roles import COMMAND_LINE, Actor, Role
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork

TOKEN_PREFIX = "pgd_"  # noqa: S105 -- a visible prefix, not a secret
ADMIN_TOKEN_ACTOR = Actor("admin token", Role.ADMIN)
"""Who the configured PAGERD_ADMIN_TOKEN acts as."""


def hash_token(secret: str) -> str:
    """SHA-256 of a token secret, hex. Tokens are random, so a fast hash is enough."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_token(
    uow: UnitOfWork,
    clock: Clock,
    name: str,
    user_id: UUID | None = None,
    actor: Actor = COMMAND_LINE,
) -> tuple[ApiToken, str]:
    """Create a token acting as `user_id` (None: an admin token of nobody); return it and
    its secret, which is stored only as a hash. NotFound for an unknown user."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        uuid4(), name.strip() or "unnamed", hash_token(secret), clock.now(), user_id=user_id
    )
    with uow:
        if user_id is not None and uow.users.get(user_id) is None:
            raise NotFound("user", user_id)
        uow.tokens.add(token)
        record_audit(uow, clock, actor, "token.created", token.id, after=token)
        uow.commit()
    return token, secret


def is_admin_token(secret: str, admin_token: str | None) -> bool:
    """Whether `secret` is the configured admin token, compared in constant time (none or an
    empty one configured: never). No I/O: the API checks it before any database work."""
    if not admin_token:
        return False
    return hmac.compare_digest(secret.encode(), admin_token.encode())


def token_actor(uow: UnitOfWork, secret: str) -> Actor | None:
    """Who an API token acts as: its user (None if disabled), or an admin for a token of
    nobody; None for an unknown or revoked token.

    Stored tokens are found by hash, which does not leak the secret through timing. The
    configured admin token is `is_admin_token`'s to check.
    """
    with uow:
        token = uow.tokens.get_by_hash(hash_token(secret))
        if token is None or not token.is_active:
            return None
        if token.user_id is None:
            return Actor(f"token {token.name}", Role.ADMIN)
        user = uow.users.get(token.user_id)
    if user is None or user.disabled:
        return None
    return user.as_actor()


def verify_api_token(uow: UnitOfWork, secret: str) -> bool:
    """Whether `secret` is a stored API token that acts as somebody (see `token_actor`)."""
    return token_actor(uow, secret) is not None


def list_api_tokens(uow: UnitOfWork) -> list[ApiToken]:
    """Every token, oldest first, revoked ones included."""
    with uow:
        return uow.tokens.list()


def revoke_api_token(
    uow: UnitOfWork, clock: Clock, token_id: UUID, actor: Actor = COMMAND_LINE
) -> ApiToken:
    """Revoke a token; idempotent. NotFound for an unknown id."""
    with uow:
        token = uow.tokens.get(token_id)
        if token is None:
            raise NotFound("token", token_id)
        if token.revoked_at is None:
            before = ApiToken(**vars(token))
            token.revoked_at = clock.now()
            uow.tokens.update(token)
            record_audit(uow, clock, actor, "token.revoked", token.id, before=before, after=token)
            uow.commit()
        return token
