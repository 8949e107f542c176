"""The real clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Implements the Clock port with the system's time, aware and in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
