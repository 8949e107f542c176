"""Who may use pagerd: API tokens and console users. Secrets are stored hashed only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass
class ApiToken:
    """A bearer token for `/api/v1`. `token_hash` is SHA-256 of the secret; the secret is
    shown once at creation and never stored."""

    id: UUID
    name: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """Whether the token still opens the API."""
        return self.revoked_at is None


@dataclass
class User:
    """A person who signs in to the web console. `password_hash` is argon2."""

    id: UUID
    username: str
    password_hash: str
    created_at: datetime
    disabled: bool = False

    @property
    def name(self) -> str:
        """How timelines and messages name the person."""
        return self.username
