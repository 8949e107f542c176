"""Console sessions: a signed cookie holding the CSRF token and, once signed in, the secret
of a session row.

The cookie is `payload.signature`, both base64url: the payload is JSON, the signature an
HMAC-SHA256 under a key derived from the container's secret key (so a session can never be
mistaken for an acknowledgement link signed with the same secret). The cookie alone grants
nothing: the console checks its secret against the sessions table on every request
(`service_layer.sessions.signed_in_user`), so signing out, disabling or deleting the user
or setting a new password refuses the very next request, in every pagerd process. A cookie
older than its lifetime is refused as well.

An anonymous session (no secret) exists only to carry the CSRF token of the sign-in form.
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

from pagerd.domain.accounts import User
from pagerd.domain.roles import Actor, Permission

COOKIE_NAME = "pagerd_session"
DEFAULT_LIFETIME = timedelta(hours=12)
_KEY_PURPOSE = b"pagerd console session v1"


@dataclass(frozen=True)
class Session:
    """A visitor. `secret` is the session row's secret (None until they sign in); `user` is
    filled in once the console has checked that secret against the table."""

    csrf_token: str
    issued_at: int
    secret: str | None = None
    user: User | None = None

    @property
    def signed_in(self) -> bool:
        """Whether a user is signed in with this session (checked against the table)."""
        return self.user is not None

    @property
    def username(self) -> str | None:
        """The signed-in user's name."""
        return self.user.name if self.user is not None else None

    @property
    def actor(self) -> Actor:
        """The signed-in user as the author of actions."""
        if self.user is None:
            raise RuntimeError("nobody is signed in with this session")
        return self.user.as_actor()

    def can(self, permission: Permission | str) -> bool:
        """Whether the signed-in user's role grants `permission` (templates pass its name)."""
        return self.user is not None and self.actor.can(Permission(permission))

    @classmethod
    def anonymous(cls, now: datetime) -> Session:
        """A fresh session for the sign-in form."""
        return cls(csrf_token=secrets.token_urlsafe(32), issued_at=int(now.timestamp()))

    @classmethod
    def for_user(cls, secret: str, user: User, now: datetime) -> Session:
        """A fresh session after a successful sign-in (new CSRF token: no fixation)."""
        return cls(secrets.token_urlsafe(32), int(now.timestamp()), secret, user)

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
        payload = {"c": session.csrf_token, "t": session.issued_at, "s": session.secret}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._sign(body))}"

    def loads(self, value: str | None, now: datetime) -> Session | None:
        """The session in a cookie value (its `user` not yet looked up); None when absent,
        forged, malformed or expired."""
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
    secret = payload["s"]
    if not isinstance(payload["c"], str) or not isinstance(payload["t"], int):
        raise TypeError("malformed session")
    if secret is not None and not isinstance(secret, str):
        raise TypeError("malformed session")
    return Session(csrf_token=payload["c"], issued_at=payload["t"], secret=secret)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
