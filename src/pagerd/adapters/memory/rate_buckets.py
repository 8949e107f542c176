"""Rate-limit buckets in this process's memory: for SQLite and tests.

On SQLite all of pagerd runs in one process (SQLite has one writer, and `pagerd serve` is
the whole deployment), so this process's buckets are the deployment's. Writing a bucket per
request to the database would take SQLite's single write lock and an fsync each time: the
limits would cost more than the requests they limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from pagerd.domain.rate_limit import Bucket, RateLimit, take

MAX_KEYS = 10_000  # bounds memory: the least recently used buckets are forgotten (full again)


class InMemoryRateBuckets:
    """Implements RateBuckets; thread-safe (routes run in a thread pool)."""

    blocking = False

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, limit: RateLimit, now: datetime, cost: int = 1) -> int | None:
        with self._lock:
            bucket, wait = take(self._buckets.get(key), limit, now, cost)
            self._buckets[key] = bucket
            self._buckets.move_to_end(key)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return wait
