"""Console sessions: a signed cookie that says who is signed in and holds the CSRF token.

The cookie is `payload.signature`, both base64url: the payload is JSON, the signature an
HMAC-SHA256 under a key derived from the container's secret key (so a session can never be
mistaken for an acknowledgement link signed with the same secret). Sessions are stateless:
any pagerd process sharing the secret key accepts them, which keeps the processes
interchangeable behind a load balancer. A session older than its lifetime is refused.

An anonymous session (no user) exists only to carry the CSRF token of the sign-in form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

COOKIE_NAME = "pagerd_session"
DEFAULT_LIFETIME = timedelta(hours=12)
_KEY_PURPOSE = b"pagerd console session v1"


@dataclass(frozen=True)
class Session:
    """A visitor: `user_id` and `username` are None until they sign in."""

    csrf_token: str
    issued_at: int
    user_id: UUID | None = None
    username: str | None = None

    @property
    def signed_in(self) -> bool:
        """Whether a user signed in with this session."""
        return self.user_id is not None

    @classmethod
    def anonymous(cls, now: datetime) -> Session:
        """A fresh session for the sign-in form."""
        return cls(csrf_token=secrets.token_urlsafe(32), issued_at=int(now.timestamp()))

    @classmethod
    def for_user(cls, user_id: UUID, username: str, now: datetime) -> Session:
        """A fresh session after a successful sign-in (new CSRF token: no fixation)."""
        return cls(secrets.token_urlsafe(32), int(now.timestamp()), user_id, username)

    def csrf_matches(self, token: str) -> bool:
        """Whether a submitted form carries this session's token (constant-time)."""
        return bool(token) and hmac.compare_digest(token.encode(), self.csrf_token.encode())


class SessionCodec:
    """Signs sessions into cookie values and reads them back."""

    def __init__(self, secret_key: bytes, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        self._key = hmac.new(secret_key, _KEY_PURPOSE, hashlib.sha256).digest()
        self.lifetime = lifetime

    def dumps(self, session: Session) -> str:
        """The cookie value of `session`."""
        payload = {
            "c": session.csrf_token,
            "t": session.issued_at,
            "u": str(session.user_id) if session.user_id else None,
            "n": session.username,
        }
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._sign(body))}"

    def loads(self, value: str | None, now: datetime) -> Session | None:
        """The session in a cookie value; None when absent, forged, malformed or expired."""
        if not value or value.count(".") != 1:
            return None
        body, signature = value.split(".")
        try:
            if not hmac.compare_digest(_unb64(signature), self._sign(body)):
                return None
            payload = json.loads(_unb64(body))
            session = _session_from(payload)
        except (ValueError, TypeError, KeyError, binascii.Error):
            return None
        age = now.timestamp() - session.issued_at
        if not 0 <= age < self.lifetime.total_seconds():
            return None
        return session

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode(), hashlib.sha256).digest()


def _session_from(payload: Any) -> Session:
    user = payload["u"]
    username = payload["n"]
    if not isinstance(payload["c"], str) or not isinstance(payload["t"], int):
        raise TypeError("malformed session")
    if (user is None) != (username is None):
        raise ValueError("malformed session")
    return Session(
        csrf_token=payload["c"],
        issued_at=payload["t"],
        user_id=UUID(user) if user is not None else None,
        username=str(username) if username is not None else None,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
