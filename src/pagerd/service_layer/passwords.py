"""The password-hashing port: how use cases store and check console passwords.

The use cases decide when a password is hashed, checked or upgraded; an adapter decides
how (`pagerd.adapters.passwords.Argon2Hasher`). Tests pass a cheap one.
"""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Hashes passwords and checks them against stored hashes. Thread-safe."""

    def hash(self, password: str) -> str:
        """A new salted hash of `password`, self-describing (algorithm and cost in it)."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches `password_hash`; False also for a malformed hash.

        Costs the same whether it matches or not.
        """
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether `password_hash` was made with other parameters than this hasher's."""
        ...
