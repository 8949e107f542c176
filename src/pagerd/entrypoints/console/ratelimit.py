"""Slowing down password guessing: failed sign-ins counted in memory, per key, in a window.

Three keys are counted for each failure: the (username, client address) pair, which stops
one guesser quickly; the client address alone, which stops one guesser trying many
usernames; and the username alone, with a higher limit, which slows a guesser spread over
many addresses. A browser that signed in as the user before (a device cookie, `devices.py`)
is counted on its own (device, username) key only: so nobody elsewhere, whatever their
address, can lock the owner out of their account. The client address is the one
`PAGERD_TRUSTED_PROXIES` makes believable (never a forwarded header from anyone else). The
counts live in this process; every process also limits the sign-in page per address with
the shared rate limits. Time comes from the Clock port, so tests move it.
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

    def retry_after(
        self, username: str, address: str, device: str | None = None
    ) -> timedelta | None:
        """How long this sign-in must wait, or None when it may be tried now. `device` is
        the known device the browser proved it is for this username, if any."""
        now = self._clock.now()
        waits = []
        with self._lock:
            for key, limit in self._keys(username, address, device):
                failures = self._failures.get(key)
                if failures is None:
                    continue
                self._trim(failures, now)
                if len(failures) >= limit:
                    waits.append(failures[len(failures) - limit] + self._window - now)
        return max(waits) if waits else None

    def failed(self, username: str, address: str, device: str | None = None) -> None:
        """Record a failed sign-in."""
        now = self._clock.now()
        with self._lock:
            for key, _ in self._keys(username, address, device):
                failures = self._failures.setdefault(key, deque())
                self._trim(failures, now)
                failures.append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, username: str, address: str, device: str | None = None) -> None:
        """Forget the pair's failures (not the address's: a guesser may own one account)."""
        with self._lock:
            self._failures.pop(self._pair(username, address), None)
            if device is not None:
                self._failures.pop(self._device(username, device), None)

    def _keys(self, username: str, address: str, device: str | None) -> list[tuple[str, int]]:
        if device is not None:
            return [(self._device(username, device), self._limits.per_user_and_address)]
        return [
            (self._pair(username, address), self._limits.per_user_and_address),
            (f"address:{address}", self._limits.per_address),
            (f"user:{username.strip().lower()}", self._limits.per_user),
        ]

    @staticmethod
    def _device(username: str, device: str) -> str:
        return f"device:{username.strip().lower()}\x00{device}"

    @staticmethod
    def _pair(username: str, address: str) -> str:
        return f"pair:{username.strip().lower()}\x00{address}"

    def _trim(self, failures: deque[datetime], now: datetime) -> None:
        while failures and failures[0] <= now - self._window:
            failures.popleft()
