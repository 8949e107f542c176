"""Rate-limit buckets in PostgreSQL, shared by every pagerd process: one budget for the
whole deployment, however many processes serve it.

Each request is one statement: an upsert that refills the bucket, takes the tokens if
enough are left, and says whether it did, atomically under the row's lock. The table is
UNLOGGED and its transactions commit without waiting for the WAL flush
(`synchronous_commit=off`): a crash can only forget buckets, which refills them. Buckets
full again (`full_at` past) are deleted now and then by range, so that unknown addresses
and keys do not accumulate.
"""

from __future__ import annotations

import itertools
import logging
import threading
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from pagerd.domain.rate_limit import RateLimit, wait_seconds

log = logging.getLogger("pagerd.rate_limit")

SWEEP_EVERY = 1000  # takes between two deletions of full buckets, per process

_REFILLED = (
    "LEAST(:burst, rate_buckets.tokens"
    " + GREATEST(0, EXTRACT(EPOCH FROM (:now - rate_buckets.updated_at))) * :rate)"
)
# The f-string joins constants, never input.
_TAKE = sa.text(
    f"""
    INSERT INTO rate_buckets (key, tokens, updated_at, full_at, granted)
    VALUES (:key, :burst - :cost, :now, :now + make_interval(secs => :cost / :rate), true)
    ON CONFLICT (key) DO UPDATE SET
        tokens = CASE WHEN {_REFILLED} >= :needed THEN {_REFILLED} - :cost ELSE {_REFILLED} END,
        granted = {_REFILLED} >= :needed,
        updated_at = GREATEST(:now, rate_buckets.updated_at),
        full_at = GREATEST(:now, rate_buckets.updated_at) + make_interval(secs => (:burst -
            CASE WHEN {_REFILLED} >= :needed THEN {_REFILLED} - :cost ELSE {_REFILLED} END
        ) / :rate)
    RETURNING tokens, granted
    """  # noqa: S608
).bindparams(sa.bindparam("now", type_=sa.DateTime(timezone=True)))
_SWEEP = sa.text("DELETE FROM rate_buckets WHERE full_at < :now").bindparams(
    sa.bindparam("now", type_=sa.DateTime(timezone=True))
)


class SqlRateBuckets:
    """Implements RateBuckets on PostgreSQL (blocking: call it off the event loop)."""

    blocking = True

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._count = itertools.count(1)
        self._lock = threading.Lock()

    def take(self, key: str, limit: RateLimit, now: datetime, cost: int = 1) -> int | None:
        params = {
            "key": key,
            "burst": float(limit.burst),
            "rate": limit.per_second,
            "cost": float(cost),
            "needed": float(max(cost, 1)),
            "now": now,
        }
        try:
            with self._engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                tokens, granted = connection.execute(_TAKE, params).one()
                if self._sweep_due():
                    connection.execute(_SWEEP, {"now": now})
        except DBAPIError:
            # The database is away: let the request through to meet the same outage (503)
            # rather than turn every request into an error of the limiter's own.
            log.warning("rate limit not checked: the database did not answer", exc_info=True)
            return None
        return None if granted else wait_seconds(tokens, max(cost, 1), limit)

    def _sweep_due(self) -> bool:
        with self._lock:
            return next(self._count) % SWEEP_EVERY == 0
