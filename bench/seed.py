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


def seed_history(url: str, services: Sequence[SeededService], count: int) -> None:
    """`count` resolved alerts spread over `services`, each with its dedup key, its timeline
    (opened, notified, resolved) and its two sent notifications, over the past 30 days."""
    start = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=29) / max(count, 1)

    def history() -> Iterator[tuple[uuid.UUID, SeededService, datetime]]:
        for i in range(count):
            yield uuid.uuid4(), services[i % len(services)], start + step * i

    for chunk in _chunks(({"a": a, "s": s, "at": at} for a, s, at in history()), CHUNK):
        _insert_history_chunk(url, chunk)


def _insert_history_chunk(url: str, chunk: list[dict[str, Any]]) -> None:
    alerts, keys, timeline, notifications = [], [], [], []
    for item in chunk:
        a, s, at = item["a"], item["s"], item["at"]
        alerts.append(_alert_row(a, s, "resolved", at, level=0, resolved_at=at))
        keys.append(_key_row(a, s))
        for kind, details in (("opened", {"message": "history"}), ("resolved", {})):
            timeline.append({"alert_id": a, "at": at, "type": kind, "details": details})
        for target in s.levels[0]["targets"]:
            notifications.append(_sent_notification(a, s, target, at))
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            connection.execute(t.alerts.insert(), alerts)
            connection.execute(t.alert_dedup_keys.insert(), keys)
            connection.execute(t.timeline.insert(), timeline)
            connection.execute(t.notifications.insert(), notifications)
    finally:
        engine.dispose()


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


def _sent_notification(
    alert_id: uuid.UUID, service: SeededService, target: dict[str, Any], at: datetime
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "alert_id": alert_id,
        "monitored_service_id": service.id,
        "level": 0,
        "pass_number": 0,
        "target_id": uuid.UUID(target["id"]),
        "channel": target["channel"],
        "address": target["address"],
        "created_at": at,
        "next_attempt_at": at,
        "status": "sent",
        "attempts": 1,
        "last_error": None,
        "sent_at": at,
        "lease_owner": None,
        "lease_until": None,
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
