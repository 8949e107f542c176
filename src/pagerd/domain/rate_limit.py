"""Token buckets: the arithmetic of rate limits, with time passed in.

A bucket holds up to `burst` tokens and refills at `per_minute` tokens a minute; a request
takes `cost` tokens (1), and is refused when fewer than that are left. A cost of 0 only
looks: it is refused when the bucket is empty, and takes nothing. A clock that steps
backwards refills nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RateLimit:
    """`per_minute` tokens a minute, up to `burst` at once; `per_minute <= 0` means no limit."""

    per_minute: float
    burst: int

    @property
    def enabled(self) -> bool:
        """Whether this limit refuses anything at all."""
        return self.per_minute > 0 and self.burst > 0

    @property
    def per_second(self) -> float:
        """The refill rate."""
        return self.per_minute / 60


@dataclass(frozen=True)
class Bucket:
    """Tokens left, as of `updated_at`."""

    tokens: float
    updated_at: datetime


def take(
    bucket: Bucket | None, limit: RateLimit, now: datetime, cost: int = 1
) -> tuple[Bucket, int | None]:
    """The bucket after a request of `cost` at `now`, and None when the request may go on,
    otherwise the whole seconds (at least 1) until it could."""
    if bucket is None:
        tokens = float(limit.burst)
        updated_at = now
    else:
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        tokens = min(float(limit.burst), bucket.tokens + elapsed * limit.per_second)
        updated_at = max(now, bucket.updated_at)
    needed = max(cost, 1)
    if tokens >= needed:
        return Bucket(tokens - cost, updated_at), None
    return Bucket(tokens, updated_at), wait_seconds(tokens, needed, limit)


def wait_seconds(tokens: float, needed: int, limit: RateLimit) -> int:
    """Whole seconds, at least 1, until a bucket holding `tokens` holds `needed`."""
    return max(1, math.ceil((needed - tokens) / limit.per_second))
