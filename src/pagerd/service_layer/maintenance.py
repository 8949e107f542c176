"""Use cases of maintenance windows: plan, list, delete, and act on a window's end.

Locks are taken in one order: the window, then its service, then the service's incident.
Receiving an alert reads the covering window under the service's lock, so an alert and a
window's end never miss each other: either the alert sees the window ended and pages, or
the end sees the held incident and starts its paging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pagerd.domain.alert import Alert
from pagerd.domain.errors import FieldError
from pagerd.domain.maintenance import MAX_LENGTH, MAX_REASON_LENGTH, MaintenanceWindow
from pagerd.domain.roles import SYSTEM, Actor
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.errors import InvalidFields, NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

LIST_LIMIT = 500


@dataclass(frozen=True)
class EndedWindow:
    """A window whose end was acted on, and the incident whose paging it started, if any."""

    window: MaintenanceWindow
    released: Alert | None


def _audit_view(window: MaintenanceWindow) -> dict[str, Any]:
    return {
        "monitored_service_id": str(window.monitored_service_id),
        "start": window.start_at.isoformat(),
        "end": window.end_at.isoformat(),
        "reason": window.reason,
    }


def _checked(start: datetime, end: datetime, reason: str | None, now: datetime) -> str | None:
    problems: list[FieldError] = []
    if end <= start:
        problems.append(FieldError("end", "must be after start"))
    elif end <= now:
        problems.append(FieldError("end", "must be in the future"))
    elif end - start > MAX_LENGTH:
        problems.append(FieldError("end", "a window lasts at most 366 days"))
    reason = reason.strip() if reason is not None else None
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        problems.append(FieldError("reason", f"has at most {MAX_REASON_LENGTH} characters"))
    if problems:
        raise InvalidFields("the maintenance window has invalid fields", problems)
    return reason or None


@retry_on_conflict
def create_window(
    uow: UnitOfWork,
    clock: Clock,
    service_id: UUID,
    start: datetime,
    end: datetime,
    reason: str | None = None,
    *,
    actor: Actor = SYSTEM,
) -> MaintenanceWindow:
    """Plan a window (`start` may be in the past: a window already under way). Incidents
    already open keep escalating; alerts from now on inside the window page nobody."""
    now = clock.now()
    reason = _checked(start, end, reason, now)
    with uow:
        if uow.services.get(service_id) is None:
            raise NotFound("service", service_id)
        window = MaintenanceWindow.plan(service_id, start, end, reason, now)
        uow.maintenance.add(window)
        after = _audit_view(window)
        record_audit(uow, clock, actor, "maintenance_window.created", window.id, after=after)
        uow.commit()
        return window


def list_windows(uow: UnitOfWork, service_id: UUID) -> list[MaintenanceWindow]:
    """The service's windows, latest end first (at most LIST_LIMIT)."""
    with uow:
        if uow.services.get(service_id) is None:
            raise NotFound("service", service_id)
        return uow.maintenance.list_for_service(service_id, LIST_LIMIT)


@retry_on_conflict
def delete_window(
    uow: UnitOfWork, clock: Clock, service_id: UUID, window_id: UUID, *, actor: Actor = SYSTEM
) -> Alert | None:
    """Delete a window. Deleting one under way ends the maintenance now: an incident it held
    starts paging at once (unless another window still covers the service). Returns that
    incident, if any."""
    now = clock.now()
    with uow:
        window = uow.maintenance.get(window_id)
        if window is None or window.monitored_service_id != service_id:
            raise NotFound("maintenance window", window_id)
        uow.maintenance.delete(window_id)
        released = _release_held(uow, window, now) if window.covers(now) else None
        before = _audit_view(window)
        record_audit(uow, clock, actor, "maintenance_window.deleted", window_id, before=before)
        uow.commit()
        return released


@retry_on_conflict
def end_due_windows(uow: UnitOfWork, clock: Clock, limit: int) -> list[EndedWindow]:
    """Act on up to `limit` window ends that have come, in one transaction: each window is
    marked ended, and its service's held incident, still open, pages level 0 (unless another
    window still covers the service). Returns what was acted on."""
    now = clock.now()
    with uow:
        ended: list[EndedWindow] = []
        for window in uow.maintenance.claim_ended(now, limit):
            window.end(now)
            uow.maintenance.update(window)
            ended.append(EndedWindow(window, _release_held(uow, window, now)))
        if ended:
            uow.commit()
        return ended


def _release_held(uow: UnitOfWork, window: MaintenanceWindow, now: datetime) -> Alert | None:
    """Start paging the service's held incidents (one per dedup key under `dedup_key`
    grouping) once no window covers it; return the first released, if any."""
    service_id = window.monitored_service_id
    service = uow.services.get_for_update(service_id)
    if service is None:
        return None
    if uow.maintenance.covering(service_id, now) is not None:
        return None  # an overlapping window still holds the service; its end releases
    released = [
        alert
        for alert in uow.alerts.list_active_for_service_for_update(service_id)
        if alert.end_maintenance(window.id, now, service.paging_severity)
    ]
    for alert in released:
        uow.alerts.update(alert)
        persist_alert_events(uow, alert)
    return released[0] if released else None
