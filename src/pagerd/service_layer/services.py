"""Use cases of monitored services: create, change, delete, declare healthy."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from pagerd.domain.roles import COMMAND_LINE, SYSTEM, Actor
from pagerd.domain.service import IncidentGrouping, MonitoredService
from pagerd.domain.severity import DEFAULT_PAGING_SEVERITY, Severity
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.effects import persist_events_of
from pagerd.service_layer.errors import Conflict, NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

MAX_NAME_LENGTH = 200
MAX_KEY_OVERLAP = timedelta(days=30)
DEFAULT_KEY_OVERLAP = timedelta(hours=24)


class InvalidServiceName(Conflict):
    """A service name that is empty, too long, or already taken."""

    code = "invalid_name"


class GroupingLocked(Conflict):
    """The grouping of a service with incidents under way cannot change: each grouping has
    its own database invariant, and the incidents under way were opened under the other."""

    code = "incident_under_way"


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidServiceName(f"a service name has 1 to {MAX_NAME_LENGTH} characters")
    return name


def new_integration_key() -> str:
    """A fresh secret for integrations: 32 hex characters, 128 bits of randomness."""
    return secrets.token_hex(16)


@retry_on_conflict
def create_service(
    uow: UnitOfWork,
    clock: Clock,
    name: str,
    incident_grouping: IncidentGrouping = IncidentGrouping.SERVICE,
    paging_severity: Severity = DEFAULT_PAGING_SEVERITY,
    *,
    actor: Actor = SYSTEM,
) -> MonitoredService:
    """Create a healthy service with a fresh integration key. Names are unique."""
    name = _checked_name(name)
    with uow:
        if uow.services.get_by_name(name) is not None:
            raise InvalidServiceName(f"a service named {name!r} already exists")
        service = MonitoredService(
            uuid4(),
            name,
            new_integration_key(),
            clock.now(),
            incident_grouping=incident_grouping,
            paging_severity=paging_severity,
        )
        uow.services.add(service)
        record_audit(uow, clock, actor, "service.created", service.id, after=service)
        uow.commit()
        return service


@retry_on_conflict
def update_service(
    uow: UnitOfWork,
    service_id: UUID,
    name: str | None = None,
    incident_grouping: IncidentGrouping | None = None,
    paging_severity: Severity | None = None,
    *,
    clock: Clock | None = None,
    actor: Actor = SYSTEM,
) -> MonitoredService:
    """Change what is given (None: keep). The grouping changes only while the service has
    no incident under way (GroupingLocked otherwise); a new paging severity applies to the
    alerts that arrive from now on. Written to the audit log when `clock` is given."""
    with uow:
        service = uow.services.get_for_update(service_id)
        if service is None:
            raise NotFound("service", service_id)
        before = {
            "name": service.name,
            "incident_grouping": service.incident_grouping,
            "paging_severity": service.paging_severity,
        }
        if name is not None and (name := _checked_name(name)) != service.name:
            if uow.services.get_by_name(name) is not None:
                raise InvalidServiceName(f"a service named {name!r} already exists")
            service.name = name
        if incident_grouping is not None and incident_grouping != service.incident_grouping:
            if uow.alerts.get_active_for_service(service_id) is not None:
                raise GroupingLocked(
                    "the service has an open or acknowledged alert; resolve it or mark the "
                    "service healthy before changing its incident grouping"
                )
            service.incident_grouping = incident_grouping
        if paging_severity is not None:
            service.paging_severity = paging_severity
        uow.services.update(service)
        if clock is not None:
            after = {
                "name": service.name,
                "incident_grouping": service.incident_grouping,
                "paging_severity": service.paging_severity,
            }
            record_audit(
                uow, clock, actor, "service.updated", service_id, before=before, after=after
            )
        uow.commit()
        return service


@retry_on_conflict
def delete_service(
    uow: UnitOfWork, service_id: UUID, *, clock: Clock | None = None, actor: Actor = SYSTEM
) -> None:
    """Delete a service, its policy and its past alerts; refused while an incident is under way.

    Written to the audit log when `clock` is given (the audit entry needs the time)."""
    with uow:
        service = uow.services.get_for_update(service_id)
        if service is None:
            raise NotFound("service", service_id)
        if uow.alerts.get_active_for_service(service_id) is not None:
            raise Conflict("the service has an open or acknowledged alert; mark it healthy first")
        uow.policies.delete_for_service(service_id)
        uow.alerts.delete_for_service(service_id)
        uow.services.delete(service_id)
        if clock is not None:
            record_audit(uow, clock, actor, "service.deleted", service_id, before=service)
        uow.commit()


@retry_on_conflict
def mark_healthy(
    uow: UnitOfWork, clock: Clock, service_id: UUID, *, actor: Actor = SYSTEM
) -> MonitoredService:
    """Declare a service healthy: every incident of it resolves and escalation stops.
    Idempotent (only a change is written to the audit log)."""
    now = clock.now()
    with uow:
        service = uow.services.get_for_update(service_id)
        if service is None:
            raise NotFound("service", service_id)
        active = uow.alerts.list_active_for_service_for_update(service_id)
        for alert in active:
            alert.resolve("healthy", now)
        uow.alerts.update_many(active)
        persist_events_of(uow, active)
        for alert in active:
            after = {"status": alert.status, "resolved_by": "healthy event"}
            record_audit(uow, clock, actor, "alert.resolved", alert.id, after=after)
        if not service.is_healthy:
            service.mark_healthy()
            uow.services.update(service)
            after = {"status": service.status}
            record_audit(uow, clock, actor, "service.marked_healthy", service_id, after=after)
        uow.commit()
        return service


def heal_service(uow: UnitOfWork, service_id: UUID) -> None:
    """Mark a service healthy inside the caller's unit of work (no commit).

    The caller has locked the service already (it exists); marking is idempotent.
    """
    service = uow.services.get_for_update(service_id)
    assert service is not None  # locked by the caller, so not deleted meanwhile
    if not service.is_healthy:
        service.mark_healthy()
        uow.services.update(service)


def heal_if_quiet(uow: UnitOfWork, service_id: UUID) -> None:
    """`heal_service` when the service has no incident left under way (the caller has
    written its resolutions and holds the service's lock)."""
    if uow.alerts.get_active_for_service(service_id) is None:
        heal_service(uow, service_id)


@dataclass(frozen=True)
class RotatedKey:
    """A service with its new integration key; the old one works until `previous_expires_at`
    (None: it stopped at once)."""

    service: MonitoredService
    previous_expires_at: datetime | None


class InvalidOverlap(Conflict):
    """An overlap period out of range."""

    code = "invalid_overlap"


@retry_on_conflict
def rotate_integration_key(
    uow: UnitOfWork,
    clock: Clock,
    service_id: UUID,
    overlap: timedelta = DEFAULT_KEY_OVERLAP,
    actor: Actor = COMMAND_LINE,
) -> RotatedKey:
    """Give the service a fresh integration key. The old key keeps working for `overlap`
    (0 to 30 days; 0 ends it at once), time to update every integration that sends with it.
    Rotating again during an overlap leaves the older key's own end unchanged."""
    if not timedelta(0) <= overlap <= MAX_KEY_OVERLAP:
        raise InvalidOverlap(f"the overlap is 0 to {MAX_KEY_OVERLAP.days} days")
    now = clock.now()
    with uow:
        service = uow.services.get_for_update(service_id)
        if service is None:
            raise NotFound("service", service_id)
        uow.retired_keys.delete_expired(now)
        if overlap > timedelta(0):
            uow.retired_keys.retire(service.integration_key, service.id, now + overlap)
        service.integration_key = new_integration_key()
        uow.services.update(service)
        previous_expires_at = uow.retired_keys.expiry_for_service(service.id, now)
        # Never the keys themselves: the audit log is readable by every admin.
        after = {"overlap_seconds": int(overlap.total_seconds())}
        record_audit(uow, clock, actor, "integration_key.rotated", service.id, after=after)
        uow.commit()
        return RotatedKey(service, previous_expires_at)


def service_for_integration_key(
    uow: UnitOfWork, integration_key: str, now: datetime
) -> MonitoredService | None:
    """The service whose current key, or retired key still in its overlap, this is."""
    with uow:
        service = uow.services.get_by_integration_key(integration_key)
        if service is not None:
            return service
        service_id = uow.retired_keys.service_id_for(integration_key, now)
        return uow.services.get(service_id) if service_id is not None else None


def key_overlap_ends_at(uow: UnitOfWork, service_id: UUID, now: datetime) -> datetime | None:
    """When the service's retired keys stop working, or None when none still works."""
    with uow:
        return uow.retired_keys.expiry_for_service(service_id, now)
