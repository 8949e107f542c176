"""Wall-clock time in a schedule's zone: local date-times to instants and back.

Schedules speak local wall-clock time ("handoff every Monday at 09:00 in Europe/London");
instants are aware UTC. The two rules for local times that a zone does not map one-to-one:

- A nonexistent local time (skipped by a spring-forward change) moves forward to the moment
  the clocks changed: 02:30 on the day New York jumps from 02:00 to 03:00 is 03:00 EDT.
- An ambiguous local time (repeated by a fall-back change) is its first occurrence, so a
  handoff at 01:30 on that day happens once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ONE_SECOND = timedelta(seconds=1)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; raises ValueError for an unknown or malformed name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def is_time_zone(name: str) -> bool:
    """Whether `name` is an IANA zone this machine knows."""
    if not name or name != name.strip():
        return False
    try:
        zone(name)
    except ValueError:
        return False
    return True


def to_local(at: datetime, tz: ZoneInfo) -> datetime:
    """The naive wall-clock date-time shown in `tz` at the instant `at`."""
    return at.astimezone(tz).replace(tzinfo=None, fold=0)


def to_instant(local: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a naive local date-time in `tz` (forward in gaps, first in folds)."""
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if to_local(first, tz) == local:
        return first
    return _gap_end(local, tz)


def _gap_end(local: datetime, tz: ZoneInfo) -> datetime:
    """The instant the clocks jumped over the nonexistent `local` (a binary search to the
    second between the two readings of `local`, which bracket the change)."""
    low = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if low > high:
        low, high = high, low
    after = high.astimezone(tz).utcoffset()
    # Invariant: the offset at `high` is the new one, at `low` it is not.
    while high - low > _ONE_SECOND:
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high
