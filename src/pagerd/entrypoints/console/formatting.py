"""How the console writes times, durations and states for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

STATUS_LABELS = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved",
    "healthy": "Healthy",
    "unhealthy": "Unhealthy",
    "pending": "Pending",
    "sent": "Sent",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


def when(moment: datetime | None, time_zone: str | None = None) -> str:
    """An instant to the second in `time_zone` (an IANA name; UTC when None or unknown),
    with the zone's abbreviation or offset: `2026-12-03 03:12:05 CET`, `... UTC`."""
    if moment is None:
        return ""
    local = _aware(moment).astimezone(_zone(time_zone))
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or local.strftime("%z"))


@lru_cache(maxsize=64)
def _zone(time_zone: str | None) -> tzinfo:
    # A user's zone was validated when saved; should tzdata lose it, UTC beats a 500.
    if not time_zone:
        return UTC
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_label(time_zone: str | None) -> str:
    """The zone `when` writes times in, for page footers: `America/New_York` or `UTC`."""
    return time_zone if time_zone and _zone(time_zone) is not UTC else "UTC"


def iso(moment: datetime | None) -> str:
    """An instant for a `<time datetime>` attribute: always UTC, whoever reads the page."""
    return _aware(moment).astimezone(UTC).isoformat() if moment is not None else ""


def _aware(moment: datetime) -> datetime:
    # Instants are stored as UTC; one that lost its zone on the way is still UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def ago(moment: datetime | None, now: datetime) -> str:
    """How long ago `moment` was, roughly: `just now`, `4 min ago`, `3 h ago`, `2 days ago`."""
    if moment is None:
        return ""
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "in " + duration(timedelta(seconds=-seconds))
    if seconds < 45:
        return "just now"
    return duration(timedelta(seconds=seconds)) + " ago"


def duration(span: timedelta) -> str:
    """A span in its largest sensible unit: `45 s`, `15 min`, `2 h 5 min`, `3 days`."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min" + (f" {seconds} s" if seconds and minutes < 10 else "")
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{hours // 24} days"


def status_label(status: str) -> str:
    """The word shown next to a status colour (colour is never the only signal)."""
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def level_label(level: int | None) -> str:
    """Levels are 0-based on the API and counted from 1 for people: `Level 1`."""
    return "none yet" if level is None else f"Level {level + 1}"
