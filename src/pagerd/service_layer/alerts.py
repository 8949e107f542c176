"""Use cases of alerts: receive, acknowledge, and resolve by dedup key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from pagerd.domain.alert import Alert
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.roles import SYSTEM, Actor
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.services import heal_service


@dataclass(frozen=True)
class ReceivedAlert:
    """The incident an alert opened or joined."""

    alert: Alert
    deduplicated: bool


@retry_on_conflict
def receive_alert(
    uow: UnitOfWork,
    clock: Clock,
    service_id: UUID,
    message: str,
    dedup_key: str | None = None,
) -> ReceivedAlert:
    """Open an incident and page level 0, or join the service's open incident.

    An incident opened during a maintenance window of the service pages nobody until the
    window ends. A healthy service turns unhealthy. An alert for a service with an incident
    under way pages nobody; its dedup key joins the incident and its message goes on the timeline.
    """
    key = dedup_key or uuid4().hex
    with uow:
        received = receive_alert_in_transaction(uow, clock.now(), service_id, message, key)
        uow.commit()
        return received


def receive_alert_in_transaction(
    uow: UnitOfWork, now: datetime, service_id: UUID, message: str, key: str
) -> ReceivedAlert:
    """`receive_alert` inside the caller's transaction (the caller commits): for use cases
    whose own change must commit with the alert (a missed heartbeat)."""
    service = uow.services.get_for_update(service_id)
    if service is None:
        raise NotFound("service", service_id)
    # Read the incident locked: a timer firing meanwhile may have escalated it, and
    # writing back an unlocked copy would undo that (a level lost for good).
    active = uow.alerts.get_active_for_service_for_update(service_id)
    if active is not None:
        active.join(message, key, now)
        uow.alerts.update(active)
        persist_alert_events(uow, active)
        return ReceivedAlert(active, deduplicated=True)
    policy = uow.policies.get_for_service(service_id)
    plan = EscalationPlan.freeze(policy) if policy is not None else None
    # Read under the service's lock: a window's end, acted on under the same lock, is
    # either seen here (ended_at set: not covering) or releases this incident afterwards.
    window = uow.maintenance.covering(service_id, now)
    alert = Alert.open(uuid4(), service_id, message, key, plan, now, maintenance=window)
    service.mark_unhealthy()
    uow.services.update(service)
    uow.alerts.add(alert)
    persist_alert_events(uow, alert)
    return ReceivedAlert(alert, deduplicated=False)


@retry_on_conflict
def acknowledge(
    uow: UnitOfWork,
    clock: Clock,
    alert_id: UUID,
    by: str | None = None,
    *,
    actor: Actor = SYSTEM,
) -> Alert:
    """Stop escalation of an alert; idempotent (only a change is audited). Raises
    AlertAlreadyResolved when resolved."""
    with uow:
        alert = uow.alerts.get_for_update(alert_id)
        if alert is None:
            raise NotFound("alert", alert_id)
        if alert.acknowledge(by, clock.now()):
            uow.alerts.update(alert)
            persist_alert_events(uow, alert)
            after = {"status": alert.status, "acknowledged_by": alert.acknowledged_by}
            record_audit(uow, clock, actor, "alert.acknowledged", alert_id, after=after)
            uow.commit()
        return alert


def _active_alert_with_key(uow: UnitOfWork, service_id: UUID, dedup_key: str) -> Alert | None:
    service = uow.services.get_for_update(service_id)
    if service is None:
        raise NotFound("service", service_id)
    alert = uow.alerts.get_active_for_service_for_update(service_id)
    if alert is None or dedup_key not in alert.dedup_keys:
        return None
    return alert


@retry_on_conflict
def acknowledge_by_dedup_key(
    uow: UnitOfWork, clock: Clock, service_id: UUID, dedup_key: str, by: str | None = None
) -> Alert | None:
    """Acknowledge the service's incident holding `dedup_key`; None when no incident holds it."""
    with uow:
        alert = _active_alert_with_key(uow, service_id, dedup_key)
        if alert is None:
            return None
        if alert.acknowledge(by, clock.now()):
            uow.alerts.update(alert)
            persist_alert_events(uow, alert)
            uow.commit()
        return alert


@retry_on_conflict
def resolve_dedup_key(
    uow: UnitOfWork, clock: Clock, service_id: UUID, dedup_key: str
) -> Alert | None:
    """A source says `dedup_key` is resolved: remove it; heal the service when none is left.

    Returns the incident that held the key, or None when no incident of the service holds it
    (then nothing changes).
    """
    with uow:
        alert = resolve_dedup_key_in_transaction(uow, clock.now(), service_id, dedup_key)
        if alert is not None:
            uow.commit()
        return alert


def resolve_dedup_key_in_transaction(
    uow: UnitOfWork, now: datetime, service_id: UUID, dedup_key: str
) -> Alert | None:
    """`resolve_dedup_key` inside the caller's transaction (the caller commits)."""
    alert = _active_alert_with_key(uow, service_id, dedup_key)
    if alert is None:
        return None
    if alert.resolve_dedup_key(dedup_key, now):
        heal_service(uow, service_id)
    uow.alerts.update(alert)
    persist_alert_events(uow, alert)
    return alert
