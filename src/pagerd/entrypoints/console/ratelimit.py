"""Slowing down password guessing: failed sign-ins counted in memory, per key, in a window.

Three keys are counted for each failure: the (username, client address) pair, which stops
one guesser quickly without letting strangers lock a colleague out; the client address
alone, which stops one guesser trying many usernames; and the username alone, with a higher
limit, which slows a guesser spread over many addresses. The counts live in this process
only: a restart forgets them, and with several processes each counts its own share, which
still bounds the rate of guesses. Time comes from the Clock port, so tests move it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from pagerd.service_layer.ports import Clock

WINDOW = timedelta(minutes=15)
MAX_KEYS = 10_000  # bounds memory when someone sprays random usernames


@dataclass(frozen=True)
class Limits:
    """Failures allowed within the window, per kind of key."""

    per_user_and_address: int = 5
    per_address: int = 20
    per_user: int = 50


class SignInLimiter:
    """Counts failed sign-ins; thread-safe (routes run in a thread pool)."""

    def __init__(self, clock: Clock, limits: Limits = Limits(), window: timedelta = WINDOW):
        self._clock = clock
        self._limits = limits
        self._window = window
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> timedelta | None:
        """How long this sign-in must wait, or None when it may be tried now."""
        now = self._clock.now()
        waits = []
        with self._lock:
            for key, limit in self._keys(username, address):
                failures = self._failures.get(key)
                if failures is None:
                    continue
                self._trim(failures, now)
                if len(failures) >= limit:
                    waits.append(failures[len(failures) - limit] + self._window - now)
        return max(waits) if waits else None

    def failed(self, username: str, address: str) -> None:
        """Record a failed sign-in."""
        now = self._clock.now()
        with self._lock:
            for key, _ in self._keys(username, address):
                failures = self._failures.setdefault(key, deque())
                self._trim(failures, now)
                failures.append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        """Forget the pair's failures (not the address's: a guesser may own one account)."""
        with self._lock:
            self._failures.pop(self._pair(username, address), None)

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        return [
            (self._pair(username, address), self._limits.per_user_and_address),
            (f"address:{address}", self._limits.per_address),
            (f"user:{username.strip().lower()}", self._limits.per_user),
        ]

    @staticmethod
    def _pair(username: str, address: str) -> str:
        return f"pair:{username.strip().lower()}\x00{address}"

    def _trim(self, failures: deque[datetime], now: datetime) -> None:
        while failures and failures[0] <= now - self._window:
            failures.popleft()
