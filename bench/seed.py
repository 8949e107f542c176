"""Seeding a pagerd database with bulk SQL through pagerd's own tables module.

Going through HTTP would take longer than the benchmarks themselves; the rows written here
have the shape pagerd writes (same tables, same JSON forms), in chunks of one transaction
each.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy import tables as t
from pagerd.adapters.sqlalchemy.engine import create_engine_for

CHUNK = 5000


@dataclass(frozen=True)
class SeededService:
    """A service with its policy (one level, the given targets)."""

    id: uuid.UUID
    policy_id: uuid.UUID
    levels: list[dict[str, Any]]

    def plan(self) -> dict[str, Any]:
        return {"policy_id": str(self.policy_id), "repeat": 0, "levels": self.levels}


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_rows(url: str, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert `rows` in chunks, one transaction per chunk; return how many."""
    engine = create_engine_for(url)
    count = 0
    try:
        for chunk in _chunks(rows):
            with engine.begin() as connection:
                connection.execute(table.insert(), chunk)
            count += len(chunk)
    finally:
        engine.dispose()
    return count


def two_targets(i: int, webhook_url: str | None = None) -> list[dict[str, Any]]:
    """Level 0 of service i: an e-mail and an SMS target (or an e-mail and a webhook)."""
    second = (
        {"channel": "webhook", "address": webhook_url}
        if webhook_url
        else {"channel": "sms", "address": f"+1555{i:07d}"}
    )
    return [
        {"id": str(uuid.uuid4()), "channel": "email", "address": f"oncall-{i}@bench.example"},
        {"id": str(uuid.uuid4()), **second},
    ]


def seed_services(
    url: str,
    count: int,
    *,
    prefix: str = "svc",
    ack_timeout_seconds: float = 900,
    targets: Callable[[int], list[dict[str, Any]]] = two_targets,
) -> list[SeededService]:
    """`count` healthy services, each with a one-level policy."""
    now = datetime.now(UTC)
    seeded = [
        SeededService(
            uuid.uuid4(),
            uuid.uuid4(),
            [{"ack_timeout_seconds": ack_timeout_seconds, "targets": targets(i)}],
        )
        for i in range(count)
    ]
    insert_rows(
        url,
        t.services,
        (
            {
                "id": s.id,
                "name": f"{prefix}-{i}",
                "integration_key": uuid.uuid4().hex,
                "status": "healthy",
                "created_at": now,
            }
            for i, s in enumerate(seeded)
        ),
    )
    insert_rows(
        url,
        t.policies,
        (
            {"id": s.policy_id, "monitored_service_id": s.id, "repeat": 0, "levels": s.levels}
            for s in seeded
        ),
    )
    return seeded


def seed_open_alerts(
    url: str, services: Sequence[SeededService], due_at: Sequence[datetime] | None
) -> list[uuid.UUID]:
    """An open alert at level 0 per service, its timer due at `due_at[i]` (no timers when
    `due_at` is None: `seed_timers` arms them later); services unhealthy.

    Returns the alert ids, in the order of `services`.
    """
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in services]
    engine = create_engine_for(url)
    try:
        for start in range(0, len(services), CHUNK):  # PostgreSQL takes 65,535 parameters
            chunk = [s.id for s in services[start : start + CHUNK]]
            with engine.begin() as connection:
                connection.execute(
                    t.services.update().where(t.services.c.id.in_(chunk)).values(status="unhealthy")
                )
    finally:
        engine.dispose()
    insert_rows(
        url,
        t.alerts,
        (_alert_row(a, s, "open", now, level=0) for a, s in zip(ids, services, strict=True)),
    )
    insert_rows(
        url, t.alert_dedup_keys, (_key_row(a, s) for a, s in zip(ids, services, strict=True))
    )
    if due_at is not None:
        seed_timers(url, ids, due_at)
    return ids


def seed_timers(url: str, alert_ids: Sequence[uuid.UUID], due_at: Sequence[datetime]) -> None:
    """A level-0 timer for each alert, due at `due_at[i]`, inserted in the given order."""
    insert_rows(
        url,
        t.timers,
        (
            {"id": uuid.uuid4(), "alert_id": a, "level": 0, "pass_number": 0, "due_at": due}
            for a, due in zip(alert_ids, due_at, strict=True)
        ),
    )


HISTORY_CHUNK = 100_000
"""Resolved alerts generated per transaction by `seed_history`."""


def seed_history(url: str, services: Sequence[SeededService], count: int) -> None:
    """`count` resolved alerts spread over `services`, each with its dedup key, its timeline
    (opened, resolved) and its two sent notifications, over the past 30 days.

    Generated by the database itself (a million alerts are 6,000,000 rows: row by row from
    Python they took about 6 minutes on SQLite): the services, their policies and targets
    go into temporary tables through pagerd's own column types, and each chunk of alerts is
    one `INSERT ... SELECT` per table over a series of numbers, with random ids made by the
    database (`randomblob` on SQLite, `gen_random_uuid` on PostgreSQL) in the form pagerd
    stores them (32 hex digits on SQLite, `uuid` on PostgreSQL). Alert i is for service
    i mod len(services), created (and resolved) at start + i * step, as before.
    """
    start = datetime.now(UTC) - timedelta(days=30)
    step_us = int(timedelta(days=29) / max(count, 1) / timedelta(microseconds=1))
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # For the seeding connection only: a page cache large enough for the indexes
                # of a million alerts, and no fsync (a benchmark's database, seeded once).
                driver = connection.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA cache_size=-2000000")
                driver.execute("PRAGMA synchronous=OFF")
            with connection.begin():
                _stage_services(connection, services)
            for low in range(0, count, HISTORY_CHUNK):
                with connection.begin():
                    _insert_history_sql(
                        connection, sqlite, low, min(low + HISTORY_CHUNK, count), start, step_us
                    )
    finally:
        engine.dispose()


_staged = sa.MetaData()
_seed_services = sa.Table(
    "seed_services",
    _staged,
    sa.Column("idx", sa.Integer(), primary_key=True),
    sa.Column("id", sa.Uuid()),
    sa.Column("plan", t.alerts.c.plan.type),
    prefixes=["TEMPORARY"],
)
_seed_targets = sa.Table(
    "seed_targets",
    _staged,
    sa.Column("idx", sa.Integer()),
    sa.Column("target_id", sa.Uuid()),
    sa.Column("channel", sa.String(16)),
    sa.Column("address", sa.Text()),
    prefixes=["TEMPORARY"],
)


def _stage_services(connection: sa.Connection, services: Sequence[SeededService]) -> None:
    """The services' ids, plans and targets, encoded by pagerd's column types."""
    _staged.create_all(connection, tables=[_seed_services, _seed_targets])
    connection.execute(
        _seed_services.insert(),
        [{"idx": i, "id": s.id, "plan": s.plan()} for i, s in enumerate(services)],
    )
    connection.execute(
        _seed_targets.insert(),
        [
            {
                "idx": i,
                "target_id": uuid.UUID(target["id"]),
                "channel": target["channel"],
                "address": target["address"],
            }
            for i, s in enumerate(services)
            for target in s.levels[0]["targets"]
        ],
    )


def _insert_history_sql(
    connection: sa.Connection, sqlite: bool, low: int, high: int, start: datetime, step_us: int
) -> None:
    """Alerts low..high-1 and their rows, generated by the database."""
    params = {"low": low, "high": high, "step": step_us, "n": None}
    if sqlite:
        # Times as UtcDateTime stores them on SQLite: UTC text, microseconds, fixed width.
        start_us = int(start.timestamp() * 1_000_000)
        params["start"] = start_us
        new_id = new_key = "lower(hex(randomblob(16)))"
        series = (
            "WITH RECURSIVE n(i) AS (SELECT :low UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :high)"
            " SELECT i, {id} AS id, i % :n AS idx,"
            " printf('%s.%06d', datetime((:start + i * :step) / 1000000, 'unixepoch'),"
            " (:start + i * :step) % 1000000) AS at FROM n"
        )
        details = ('\'{"message": "history"}\'', "'{}'")
    else:
        params["start"] = start
        new_id, new_key = "gen_random_uuid()", "md5(random()::text)"
        series = (
            "SELECT i, {id} AS id, i % :n AS idx,"
            " CAST(:start AS timestamptz) + i * :step * interval '1 microsecond' AS at"
            " FROM generate_series(CAST(:low AS bigint), CAST(:high AS bigint) - 1) AS i"
        )
        details = ('\'{"message": "history"}\'::jsonb', "'{}'::jsonb")
    params["n"] = connection.execute(sa.text("SELECT count(*) FROM seed_services")).scalar()
    connection.execute(sa.text("DROP TABLE IF EXISTS seed_alerts"))
    connection.execute(
        sa.text("CREATE TEMPORARY TABLE seed_alerts AS " + series.format(id=new_id)), params
    )
    statements = [
        "INSERT INTO alerts (id, monitored_service_id, message, status, level, pass_number,"
        " plan, created_at, resolved_at, dedup_key_count, dedup_key_seq)"
        " SELECT a.id, s.id, 'bench seeded alert', 'resolved', 0, 0, s.plan, a.at, a.at, 1, 1"
        " FROM seed_alerts a JOIN seed_services s ON s.idx = a.idx ORDER BY a.i",
        "INSERT INTO alert_dedup_keys (alert_id, position, monitored_service_id, dedup_key)"
        f" SELECT a.id, 0, s.id, {new_key}"
        " FROM seed_alerts a JOIN seed_services s ON s.idx = a.idx ORDER BY a.i",
        "INSERT INTO timeline_entries (alert_id, at, type, details)"
        f" SELECT id, at, type, details FROM (SELECT a.i, 0 AS k, a.id, a.at, 'opened' AS type,"
        f" {details[0]} AS details FROM seed_alerts a UNION ALL SELECT a.i, 1, a.id, a.at,"
        f" 'resolved', {details[1]} FROM seed_alerts a) AS e ORDER BY i, k",
        "INSERT INTO notifications (id, alert_id, monitored_service_id, level, pass_number,"
        " target_id, channel, address, created_at, next_attempt_at, status, attempts,"
        " sent_at) SELECT "
        f"{new_id}, a.id, s.id, 0, 0, g.target_id, g.channel, g.address, a.at, a.at, 'sent',"
        " 1, a.at FROM seed_alerts a JOIN seed_services s ON s.idx = a.idx"
        " JOIN seed_targets g ON g.idx = a.idx ORDER BY a.i",
    ]
    for statement in statements:
        connection.execute(sa.text(statement))
    connection.execute(sa.text("DROP TABLE seed_alerts"))


def _alert_row(
    alert_id: uuid.UUID,
    service: SeededService,
    status: str,
    at: datetime,
    *,
    level: int | None,
    resolved_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "id": alert_id,
        "monitored_service_id": service.id,
        "message": "bench seeded alert",
        "status": status,
        "level": level,
        "pass_number": 0,
        "plan": service.plan(),
        "created_at": at,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": resolved_at,
        "dedup_key_count": 1,  # the one key _key_row gives it
        "dedup_key_seq": 1,
    }


def _key_row(alert_id: uuid.UUID, service: SeededService) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "position": 0,
        "monitored_service_id": service.id,
        "dedup_key": uuid.uuid4().hex,
    }


def scalar(url: str, query: str, **params: Any) -> Any:
    """One value from a query (for the checks after a run)."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(query), params).scalar()
    finally:
        engine.dispose()


def rows(url: str, query: str, **params: Any) -> list[sa.Row[Any]]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(query), params))
    finally:
        engine.dispose()
