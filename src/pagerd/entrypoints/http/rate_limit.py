"""Per-key rate limits on ingestion: token buckets in memory, one per integration key or API
token, answering 429 with `Retry-After` once a key's bucket is empty.

A bucket holds up to `burst` tokens and refills at `per_minute` tokens a minute; each request
takes one. The defaults (600 a minute, bursts of 300, per key) are far above what a real
alert storm sends through one integration, so a limit only stops a runaway or hostile
sender. A refused alert is refused loudly (429: the sender keeps it and retries), never
dropped silently. Buckets live in this process only: with several processes each counts its
own share, which still bounds the rate. Time comes from the Clock port, so tests move it; a
clock that steps backwards refills nothing.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pagerd.config import Settings
from pagerd.entrypoints.http.auth import Credentials
from pagerd.entrypoints.http.errors import ApiError, ErrorBody
from pagerd.service_layer.ports import Clock
from pagerd.service_layer.tokens import hash_token

MAX_KEYS = 10_000  # bounds memory: the least recently used buckets are forgotten (full again)


@dataclass(frozen=True)
class RateLimit:
    """`per_minute` tokens a minute, up to `burst` at once; `per_minute <= 0` means no limit."""

    per_minute: float
    burst: int

    @property
    def enabled(self) -> bool:
        """Whether this limit refuses anything at all."""
        return self.per_minute > 0 and self.burst > 0


@dataclass
class _Bucket:
    tokens: float
    updated_at: datetime


class RateLimiter:
    """Token buckets by key; thread-safe (routes run in a thread pool)."""

    def __init__(self, limit: RateLimit, clock: Clock, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> int | None:
        """Take a token for `key`: None when the request may go on, otherwise the whole
        seconds (at least 1) until the bucket holds a token again."""
        if not self.limit.enabled:
            return None
        now = self._clock.now()
        with self._lock:
            bucket = self._refilled(key, now)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            missing = 1 - bucket.tokens
            return max(1, math.ceil(missing * 60 / self.limit.per_minute))

    def _refilled(self, key: str, now: datetime) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.limit.burst), now)
            self._buckets[key] = bucket
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
            refill = elapsed * self.limit.per_minute / 60
            bucket.tokens = min(float(self.limit.burst), bucket.tokens + refill)
            bucket.updated_at = max(now, bucket.updated_at)
            self._buckets.move_to_end(key)
        return bucket


@dataclass(frozen=True)
class RateLimiters:
    """The limiters of one application: `ingest` per integration key, `api` per API token."""

    ingest: RateLimiter
    api: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> RateLimiters:
        """PAGERD_INGEST_RATE_PER_MINUTE / _BURST and PAGERD_API_RATE_PER_MINUTE / _BURST."""
        return cls(
            ingest=RateLimiter(
                RateLimit(settings.ingest_rate_per_minute, settings.ingest_burst), clock
            ),
            api=RateLimiter(RateLimit(settings.api_rate_per_minute, settings.api_burst), clock),
        )


def enforce(limiter: RateLimiter, key: str, what: str) -> None:
    """Take a token for `key`, or raise a 429 in the API's error format with `Retry-After`."""
    wait = limiter.acquire(key)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this {what}; retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )


def api_token_limit(limiter: RateLimiter) -> Callable[..., Awaitable[None]]:
    """A dependency limiting `/api/v1` per API token; list it after the token check, so
    that only valid tokens get a bucket. Keyed by the token's hash: no secret kept in memory.
    `async`: an in-memory bucket needs no trip to the thread pool."""

    async def check(credentials: Credentials) -> None:
        if credentials is not None:
            enforce(limiter, hash_token(credentials.credentials), "API token")

    return check


RATE_LIMITED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": "Too many requests for this key; retry after `Retry-After` seconds",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying",
                "schema": {"type": "integer"},
            }
        },
    }
}
"""The OpenAPI description of a 429, for a route's `responses=`."""
