"""Use cases of heartbeat monitors: create, list, delete, ping, and act on missed deadlines.

A miss and the alert it opens commit together, and so do a ping and the resolve of its
alert's key: a crash leaves either both done or neither, so a deadline acts exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pagerd.domain.context import AlertContext
from pagerd.domain.errors import FieldError
from pagerd.domain.heartbeat import MAX_GRACE, MIN_INTERVAL, Heartbeat
from pagerd.domain.roles import SYSTEM, Actor
from pagerd.domain.severity import Severity
from pagerd.service_layer.alerts import (
    IncomingAlert,
    ReceivedAlert,
    receive_alert_in_transaction,
    resolve_dedup_key_in_transaction,
)
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import Conflict, InvalidFields, NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

MAX_NAME_LENGTH = 200
HEARTBEAT_CONTEXT = AlertContext(severity=Severity.CRITICAL, source="pagerd heartbeat")
"""A missed check-in is pagerd's own alert: critical (a dead job pages), its source named."""


@dataclass(frozen=True)
class MissedHeartbeat:
    """A deadline that passed, and the incident its alert opened or joined."""

    heartbeat: Heartbeat
    received: ReceivedAlert
    lateness: timedelta


def _audit_view(heartbeat: Heartbeat) -> dict[str, Any]:
    """What the audit log keeps of a heartbeat: never its secret ping token."""
    return {
        "monitored_service_id": str(heartbeat.monitored_service_id),
        "name": heartbeat.name,
        "interval_seconds": int(heartbeat.interval.total_seconds()),
        "grace_seconds": int(heartbeat.grace.total_seconds()),
    }


def _checked(name: str, interval: timedelta, grace: timedelta) -> str:
    name = name.strip()
    problems: list[FieldError] = []
    if not name or len(name) > MAX_NAME_LENGTH:
        problems.append(FieldError("name", f"has 1 to {MAX_NAME_LENGTH} characters"))
    if interval < MIN_INTERVAL:
        problems.append(FieldError("interval_seconds", "must be at least 60"))
    if not timedelta(0) <= grace <= MAX_GRACE:
        problems.append(FieldError("grace_seconds", "must be between 0 and 86400"))
    if problems:
        raise InvalidFields("the heartbeat has invalid fields", problems)
    return name


@retry_on_conflict
def create_heartbeat(
    uow: UnitOfWork,
    clock: Clock,
    service_id: UUID,
    name: str,
    interval: timedelta,
    grace: timedelta = timedelta(0),
    *,
    actor: Actor = SYSTEM,
) -> Heartbeat:
    """A new monitor of the service, first due one interval (plus grace) from now.
    Names are unique within a service (Conflict)."""
    name = _checked(name, interval, grace)
    with uow:
        if uow.services.get(service_id) is None:
            raise NotFound("service", service_id)
        if uow.heartbeats.get_by_name(service_id, name) is not None:
            raise Conflict(f"this service already has a heartbeat named {name!r}")
        heartbeat = Heartbeat.create(service_id, name, interval, grace, clock.now())
        uow.heartbeats.add(heartbeat)
        after = _audit_view(heartbeat)
        record_audit(uow, clock, actor, "heartbeat.created", heartbeat.id, after=after)
        uow.commit()
        return heartbeat


def list_heartbeats(uow: UnitOfWork, service_id: UUID) -> list[Heartbeat]:
    """The service's heartbeats, oldest first; NotFound for an unknown service."""
    with uow:
        if uow.services.get(service_id) is None:
            raise NotFound("service", service_id)
        return uow.heartbeats.list_for_service(service_id)


@retry_on_conflict
def delete_heartbeat(
    uow: UnitOfWork, clock: Clock, service_id: UUID, heartbeat_id: UUID, *, actor: Actor = SYSTEM
) -> None:
    """Stop watching. An alert it opened stays (resolve it like any other)."""
    with uow:
        heartbeat = uow.heartbeats.get(heartbeat_id)
        if heartbeat is None or heartbeat.monitored_service_id != service_id:
            raise NotFound("heartbeat", heartbeat_id)
        uow.heartbeats.delete(heartbeat_id)
        before = _audit_view(heartbeat)
        record_audit(uow, clock, actor, "heartbeat.deleted", heartbeat_id, before=before)
        uow.commit()


@retry_on_conflict
def record_ping(uow: UnitOfWork, clock: Clock, ping_token: str) -> Heartbeat:
    """The job checked in: a new deadline; when it was late, its alert's key is resolved
    in the same transaction. NotFound for an unknown token."""
    now = clock.now()
    with uow:
        heartbeat = uow.heartbeats.get_by_token_for_update(ping_token)
        if heartbeat is None:
            raise NotFound("heartbeat", "(ping URL)")
        if heartbeat.ping(now):
            resolve_dedup_key_in_transaction(
                uow, now, heartbeat.monitored_service_id, heartbeat.dedup_key
            )
        uow.heartbeats.update(heartbeat)
        uow.commit()
        return heartbeat


@retry_on_conflict
def fire_missed_heartbeats(uow: UnitOfWork, clock: Clock, limit: int) -> list[MissedHeartbeat]:
    """Act on up to `limit` passed deadlines in one transaction: each heartbeat turns late
    and opens or joins an alert with the dedup key `heartbeat:<name>`. Returns what fired,
    none when no deadline has passed."""
    now = clock.now()
    with uow:
        missed: list[MissedHeartbeat] = []
        for heartbeat in uow.heartbeats.claim_missed(now, limit):
            deadline = heartbeat.deadline_at
            message = heartbeat.miss(now)
            if message is None or deadline is None:
                continue
            incoming = IncomingAlert(message, heartbeat.dedup_key, HEARTBEAT_CONTEXT)
            received = receive_alert_in_transaction(
                uow, now, heartbeat.monitored_service_id, incoming
            )
            uow.heartbeats.update(heartbeat)
            missed.append(MissedHeartbeat(heartbeat, received, now - deadline))
        if missed:
            uow.commit()
        return missed


def next_deadline_at(uow: UnitOfWork) -> datetime | None:
    """The earliest deadline any heartbeat keeps."""
    with uow:
        return uow.heartbeats.next_deadline_at()
