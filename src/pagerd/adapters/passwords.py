"""Password hashing with argon2id (argon2-cffi): the `PasswordHasher` port's adapter."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """argon2id through argon2-cffi; by default at its default cost (RFC 9106's low-memory
    profile). Tests pass a cheaper `argon2.PasswordHasher`."""

    def __init__(self, argon2: _Argon2 | None = None) -> None:
        self.argon2 = argon2 if argon2 is not None else _Argon2()

    def hash(self, password: str) -> str:
        return self.argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.argon2.check_needs_rehash(password_hash)


@cache
def default_hasher() -> Argon2Hasher:
    """argon2id at argon2-cffi's default cost, one per process."""
    return Argon2Hasher()
