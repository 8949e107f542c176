"""Use cases of alerts: receive, acknowledge, and resolve by dedup key.

Every use case of a service's incidents locks the service row first (then the alerts): the
service's `incident_grouping` decides where an alert goes, and the lock serializes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from pagerd.domain.alert import Alert
from pagerd.domain.context import AlertContext
from pagerd.domain.maintenance import MaintenanceWindow
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.roles import SYSTEM, Actor
from pagerd.domain.service import IncidentGrouping, MonitoredService
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.services import heal_if_quiet


@dataclass(frozen=True)
class ReceivedAlert:
    """The incident an alert opened or joined."""

    alert: Alert
    deduplicated: bool


@dataclass(frozen=True)
class IncomingAlert:
    """One alert as a source sent it: its message, dedup key and context."""

    message: str
    dedup_key: str
    context: AlertContext = field(default_factory=AlertContext)


@retry_on_conflict
def receive_alert(
    uow: UnitOfWork,
    clock: Clock,
    service_id: UUID,
    message: str,
    dedup_key: str | None = None,
    context: AlertContext | None = None,
) -> ReceivedAlert:
    """Open an incident (paging level 0 unless below the service's paging severity or in a
    maintenance window of the service), or join the incident under way: the service's one
    (`service` grouping) or the one of this dedup key (`dedup_key` grouping). A join pages
    nobody, unless it lifts a held incident to the paging severity outside maintenance; its
    message goes on the timeline and its key joins the incident.
    """
    incoming = IncomingAlert(message, dedup_key or uuid4().hex, context or AlertContext())
    with uow:
        received = receive_alert_in_transaction(uow, clock.now(), service_id, incoming)
        uow.commit()
        return received


def receive_alert_in_transaction(
    uow: UnitOfWork, now: datetime, service_id: UUID, incoming: IncomingAlert
) -> ReceivedAlert:
    """`receive_alert` inside the caller's transaction (the caller commits): for use cases
    whose own change must commit with the alert (a missed heartbeat)."""
    service = _locked_service(uow, service_id)
    # Read under the service's lock: a window's end, acted on under the same lock, is
    # either seen here (ended: not covering) or releases this incident afterwards.
    window = uow.maintenance.covering(service_id, now)
    active = _incident_for(uow, service, incoming.dedup_key)
    if active is not None:
        held = bool(uow.alerts.held_keys(active.id, [incoming.dedup_key]))
        join(active, incoming, held, service, now, maintenance=window)
        uow.alerts.update(active)
        persist_alert_events(uow, active)
        return ReceivedAlert(active, deduplicated=True)
    plan = frozen_plan(uow, service.id)
    alert = open_incident(uow, service, incoming, now, plan, maintenance=window)
    uow.alerts.add(alert)
    persist_alert_events(uow, alert)
    return ReceivedAlert(alert, deduplicated=False)


def _locked_service(uow: UnitOfWork, service_id: UUID) -> MonitoredService:
    service = uow.services.get_for_update(service_id)
    if service is None:
        raise NotFound("service", service_id)
    return service


def _incident_for(uow: UnitOfWork, service: MonitoredService, dedup_key: str) -> Alert | None:
    """The active incident an alert with `dedup_key` joins, locked; None: it opens one."""
    if service.incident_grouping is IncidentGrouping.SERVICE:
        # Read the incident locked: a timer firing meanwhile may have escalated it, and
        # writing back an unlocked copy would undo that (a level lost for good).
        return uow.alerts.get_active_for_service_for_update(service.id)
    holder = uow.alerts.active_holders(service.id, [dedup_key]).get(dedup_key)
    return uow.alerts.get_for_update(holder) if holder is not None else None


def join(
    alert: Alert,
    incoming: IncomingAlert,
    held: bool,
    service: MonitoredService,
    now: datetime,
    maintenance: MaintenanceWindow | None = None,
) -> None:
    """`incoming` joins `alert` under the service's paging severity (and `maintenance`, the
    window covering the service, if any)."""
    alert.join(
        incoming.message,
        incoming.dedup_key,
        now,
        held=held,
        context=incoming.context,
        paging_severity=service.paging_severity,
        maintenance=maintenance,
    )


def frozen_plan(uow: UnitOfWork, service_id: UUID) -> EscalationPlan | None:
    """The service's policy frozen now, or None when it has none."""
    policy = uow.policies.get_for_service(service_id)
    return EscalationPlan.freeze(policy) if policy is not None else None


def open_incident(
    uow: UnitOfWork,
    service: MonitoredService,
    incoming: IncomingAlert,
    now: datetime,
    plan: EscalationPlan | None,
    maintenance: MaintenanceWindow | None = None,
) -> Alert:
    """A new incident of the locked `service` under `plan` (the caller adds it), held while
    `maintenance` (the window covering the service) lasts; the service turns unhealthy."""
    per_key = service.incident_grouping is IncidentGrouping.DEDUP_KEY
    alert = Alert.open(
        uuid4(),
        service.id,
        incoming.message,
        incoming.dedup_key,
        plan,
        now,
        context=incoming.context,
        paging_severity=service.paging_severity,
        incident_key=incoming.dedup_key if per_key else None,
        maintenance=maintenance,
    )
    if service.is_healthy:
        service.mark_unhealthy()
        uow.services.update(service)
    return alert


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
    _locked_service(uow, service_id)
    holder = uow.alerts.active_holders(service_id, [dedup_key]).get(dedup_key)
    return uow.alerts.get_for_update(holder) if holder is not None else None


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
    """A source says `dedup_key` is resolved: remove it from the incident holding it (which
    resolves when no key is left); the service heals when no incident is left.

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
    resolved = alert.resolve_dedup_key(dedup_key, now, held=True)
    uow.alerts.update(alert)
    persist_alert_events(uow, alert)
    if resolved:
        heal_if_quiet(uow, service_id)
    return alert
