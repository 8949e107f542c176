"""Known devices: a browser that signed in as a user gets a signed cookie naming that user.

Why: failed sign-ins are limited per account, so a guesser anywhere could otherwise lock
the account's owner out. A sign-in that presents a device cookie for the username it tries
is counted against that device alone, so strangers' failures do not stop the owner's
browser, and a stolen cookie gives nothing but a few more guesses (it is no session).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

DEVICE_COOKIE = "pagerd_device"
DEVICE_LIFETIME_SECONDS = 180 * 24 * 3600
_PURPOSE = b"pagerd known device v1"


class DeviceCookies:
    """Issues and checks device cookies: `<device id>.<signature over id and username>`."""

    def __init__(self, secret_key: bytes) -> None:
        self._key = hmac.new(secret_key, _PURPOSE, hashlib.sha256).digest()

    def issue(self, username: str) -> str:
        """A new device cookie value for `username`."""
        device = secrets.token_urlsafe(16)
        return f"{device}.{self._sign(device, username)}"

    def device_for(self, value: str | None, username: str) -> str | None:
        """The device id when `value` is a cookie issued for `username`, else None."""
        if not value or len(value) > 200:
            return None
        device, _, signature = value.partition(".")
        if not device or not hmac.compare_digest(signature, self._sign(device, username)):
            return None
        return device

    def _sign(self, device: str, username: str) -> str:
        message = f"{device}\x00{username.strip().lower()}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
