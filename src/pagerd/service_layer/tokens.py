"""Use cases of API tokens: create (the secret is shown once), verify, list, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID, uuid4

from pagerd.domain.accounts import ApiToken
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork

TOKEN_PREFIX = "pgd_"  # noqa: S105 -- a visible prefix, not a secret


def hash_token(secret: str) -> str:
    """SHA-256 of a token secret, hex. Tokens are random, so a fast hash is enough."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_token(uow: UnitOfWork, clock: Clock, name: str) -> tuple[ApiToken, str]:
    """Create a token; return it and its secret, which is stored only as a hash."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(uuid4(), name.strip() or "unnamed", hash_token(secret), clock.now())
    with uow:
        uow.tokens.add(token)
        uow.commit()
    return token, secret


def is_admin_token(secret: str, admin_token: str | None) -> bool:
    """Whether `secret` is the configured admin token, compared in constant time (none or an
    empty one configured: never). No I/O: the API checks it before any database work."""
    if not admin_token:
        return False
    return hmac.compare_digest(secret.encode(), admin_token.encode())


def verify_api_token(uow: UnitOfWork, secret: str) -> bool:
    """Whether `secret` is an active stored API token.

    Stored tokens are found by hash, which does not leak the secret through timing. The
    configured admin token is `is_admin_token`'s to check.
    """
    return api_token_name(uow, secret) is not None


def api_token_name(uow: UnitOfWork, secret: str) -> str | None:
    """The name of the active stored API token `secret` is, or None (as verify_api_token)."""
    with uow:
        token = uow.tokens.get_by_hash(hash_token(secret))
    return token.name if token is not None and token.is_active else None


def list_api_tokens(uow: UnitOfWork) -> list[ApiToken]:
    """Every token, oldest first, revoked ones included."""
    with uow:
        return uow.tokens.list()


def revoke_api_token(uow: UnitOfWork, clock: Clock, token_id: UUID) -> ApiToken:
    """Revoke a token; idempotent. NotFound for an unknown id."""
    with uow:
        token = uow.tokens.get(token_id)
        if token is None:
            raise NotFound("token", token_id)
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            uow.tokens.update(token)
            uow.commit()
        return token
