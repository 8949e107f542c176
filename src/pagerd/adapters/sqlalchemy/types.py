"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect


class UtcDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime in, an aware UTC datetime out, on every backend.

    PostgreSQL stores `timestamptz`. SQLite has no time zones: the value is stored as UTC
    text of fixed width (so text order is time order) and read back as UTC. A naive
    datetime is refused: pagerd never guesses a time zone.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pagerd stores aware UTC times only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type() -> sa.types.TypeEngine[Any]:
    """JSON: `jsonb` on PostgreSQL, JSON text on SQLite."""
    return sa.JSON().with_variant(JSONB(), "postgresql")


def serial_type() -> sa.types.TypeEngine[int]:
    """An auto-incremented key: BIGINT identity on PostgreSQL, SQLite's INTEGER rowid."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")
