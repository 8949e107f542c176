"""Rate limits: token buckets per key, answering 429 with `Retry-After` once a bucket is empty.

A bucket holds up to `burst` tokens and refills at `per_minute` tokens a minute; each request
takes one (`domain.rate_limit`). Kinds of limits: per integration key (ingestion), per API
token, per client address on the doors open without credentials, and per client address for
failed authentications. The defaults are far above what a real alert storm sends, so a limit
only stops a runaway or hostile sender. A refused alert is refused loudly (429: the sender
keeps it and retries), never dropped silently. The buckets are the container's: on
PostgreSQL one table shared by every process (one budget for the deployment), in memory on
SQLite (one process). Time comes from the Clock port, so tests move it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from pagerd.adapters.memory.rate_buckets import InMemoryRateBuckets
from pagerd.config import Settings
from pagerd.domain.rate_limit import RateLimit
from pagerd.entrypoints.http.auth import FailureCounter, TokenLimit
from pagerd.entrypoints.http.errors import ApiError, ErrorBody
from pagerd.service_layer.ports import Clock, RateBuckets
from pagerd.service_layer.tokens import hash_token

MAX_KEYS = 10_000  # in memory: the least recently used buckets are forgotten (full)


class RateLimiter:
    """One kind of limit (`name`), with a bucket per key in `buckets` (in memory unless
    given: the container's buckets are shared by every process on PostgreSQL)."""

    def __init__(
        self,
        limit: RateLimit,
        clock: Clock,
        max_keys: int = MAX_KEYS,
        buckets: RateBuckets | None = None,
        name: str = "limit",
    ) -> None:
        self.limit = limit
        self.name = name
        self._clock = clock
        self._buckets = buckets if buckets is not None else InMemoryRateBuckets(max_keys)

    @property
    def blocking(self) -> bool:
        """Whether `acquire` does I/O (the buckets are in the database)."""
        return self.limit.enabled and self._buckets.blocking

    def acquire(self, key: str, cost: int = 1) -> int | None:
        """Take `cost` tokens for `key`: None when the request may go on, otherwise the whole
        seconds (at least 1) until it could. A cost of 0 only checks for an empty bucket."""
        if not self.limit.enabled:
            return None
        return self._buckets.take(f"{self.name}:{key}", self.limit, self._clock.now(), cost)

    async def acquire_async(self, key: str, cost: int = 1) -> int | None:
        """`acquire`, from the event loop (on the thread pool when it does I/O)."""
        if self.blocking:
            return await run_in_threadpool(self.acquire, key, cost)
        return self.acquire(key, cost)


@dataclass(frozen=True)
class RateLimiters:
    """The limiters of one application: `ingest` per integration key, `api` per API token,
    `public` per client address on the doors open without credentials (acknowledge links,
    SMS replies, heartbeat pings, console pages), `auth_failures` per client address for
    unknown tokens, keys and passwords."""

    ingest: RateLimiter
    api: RateLimiter
    public: RateLimiter
    auth_failures: RateLimiter

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Clock, buckets: RateBuckets | None = None
    ) -> RateLimiters:
        """PAGERD_{INGEST,API,PUBLIC,AUTH_FAILURE}_RATE_PER_MINUTE and _BURST."""
        shared = buckets if buckets is not None else InMemoryRateBuckets()

        def limiter(name: str, per_minute: float, burst: int) -> RateLimiter:
            return RateLimiter(RateLimit(per_minute, burst), clock, buckets=shared, name=name)

        return cls(
            ingest=limiter("ingest", settings.ingest_rate_per_minute, settings.ingest_burst),
            api=limiter("api", settings.api_rate_per_minute, settings.api_burst),
            public=limiter("public", settings.public_rate_per_minute, settings.public_burst),
            auth_failures=limiter(
                "auth-failures",
                settings.auth_failure_rate_per_minute,
                settings.auth_failure_burst,
            ),
        )


def enforce(limiter: RateLimiter, key: str, what: str) -> None:
    """Take a token for `key`, or raise a 429 in the API's error format with `Retry-After`."""
    refuse_if_waiting(limiter.acquire(key), what)


def refuse_if_waiting(wait: int | None, what: str) -> None:
    """Raise the 429 for a refused take (`wait` seconds); nothing when `wait` is None."""
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this {what}; retry after {wait} s",
            headers={"Retry-After": str(wait)},
        )


def api_token_limit(limiter: RateLimiter) -> TokenLimit:
    """The limit of `/api/v1` per API token, which the token check (`require_api_token`)
    applies once the token is valid, so that only valid tokens get a bucket. Keyed by the
    token's hash: no secret kept in memory. `async`: an in-memory bucket needs no trip to
    the thread pool."""

    async def check(secret: str) -> None:
        refuse_if_waiting(await limiter.acquire_async(hash_token(secret)), "API token")

    return check


def client_address(request: Request) -> str:
    """The client's address as this application sees it (the proxy's, unless the request
    came through a trusted proxy: see `forwarded.TrustedProxyMiddleware`)."""
    return request.client.host if request.client is not None else "unknown"


def address_limit(limiter: RateLimiter, what: str) -> Callable[..., Awaitable[None]]:
    """A dependency limiting requests per client address (doors open without credentials:
    acknowledge links, SMS replies, heartbeat pings, console pages)."""

    async def check(request: Request) -> None:
        refuse_if_waiting(await limiter.acquire_async(client_address(request)), what)

    return check


def failure_counter(limiter: RateLimiter) -> FailureCounter:
    """Counts a failed authentication from an address; raises a 429 once that address has
    failed too often (otherwise the caller answers its own 401 or 400)."""

    async def count(address: str) -> None:
        wait = await limiter.acquire_async(address)
        refuse_if_waiting(wait, "address: too many failed authentications")

    return count


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
