"""Use cases of monitored services: create, delete, declare healthy."""

from __future__ import annotations

import secrets
from uuid import UUID, uuid4

from pagerd.domain.roles import SYSTEM, Actor
from pagerd.domain.service import MonitoredService
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.errors import Conflict, NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

MAX_NAME_LENGTH = 200


class InvalidServiceName(Conflict):
    """A service name that is empty, too long, or already taken."""

    code = "invalid_name"


def new_integration_key() -> str:
    """A fresh secret for integrations: 32 hex characters, 128 bits of randomness."""
    return secrets.token_hex(16)


@retry_on_conflict
def create_service(
    uow: UnitOfWork, clock: Clock, name: str, *, actor: Actor = SYSTEM
) -> MonitoredService:
    """Create a healthy service with a fresh integration key. Names are unique."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidServiceName(f"a service name has 1 to {MAX_NAME_LENGTH} characters")
    with uow:
        if uow.services.get_by_name(name) is not None:
            raise InvalidServiceName(f"a service named {name!r} already exists")
        service = MonitoredService(uuid4(), name, new_integration_key(), clock.now())
        uow.services.add(service)
        record_audit(uow, clock, actor, "service.created", service.id, after=service)
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
    """Declare a service healthy: its incident resolves and escalation stops. Idempotent
    (only a change is written to the audit log)."""
    with uow:
        service = uow.services.get_for_update(service_id)
        if service is None:
            raise NotFound("service", service_id)
        alert = uow.alerts.get_active_for_service(service_id)
        if alert is not None:
            locked = uow.alerts.get_for_update(alert.id)
            assert locked is not None  # the service lock keeps its active alert in place
            locked.resolve("healthy", clock.now())
            uow.alerts.update(locked)
            persist_alert_events(uow, locked)
            after = {"status": locked.status, "resolved_by": "healthy event"}
            record_audit(uow, clock, actor, "alert.resolved", locked.id, after=after)
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
    service.mark_healthy()
    uow.services.update(service)
