"""Making a service's stored maintenance windows and heartbeats match a file, and export.

Run inside `apply_configuration`'s transaction, only for a service whose file entry has the
list (`maintenance_windows:` or `heartbeats:`); without it they are left alone.

Windows: the file declares the service's plan. A declared window not stored is created,
unless it has already ended (history is not rewritten: nothing to do). A stored window not
in the file is deleted while it is still planned (not started); one under way is never cut
short by an apply (an emergency window started from the console survives a routine apply:
end it from the console or the API), and past windows are never touched. A window is known
by its start and end; a changed reason is updated in place.

Heartbeats: matched by name. Missing ones are created (with a new secret ping URL, shown on
the service page and by the API, never printed), changed interval or grace updated in place
(the ping URL stays), undeclared ones deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from pagerd.config_as_code.apply_change import Action, Change
from pagerd.config_as_code.render import rfc3339
from pagerd.config_as_code.upkeep_model import DeclaredHeartbeat, DeclaredWindow
from pagerd.domain.heartbeat import Heartbeat
from pagerd.domain.maintenance import MaintenanceWindow, WindowPhase
from pagerd.service_layer.maintenance import LIST_LIMIT
from pagerd.service_layer.ports import UnitOfWork


def converge_windows(
    uow: UnitOfWork,
    now: datetime,
    service_id: UUID,
    service_name: str,
    wanted: Sequence[DeclaredWindow],
) -> list[Change]:
    """Create, re-reason or delete the service's windows as the module says."""
    stored = uow.maintenance.list_for_service(service_id, LIST_LIMIT)
    have = {DeclaredWindow.of(w).span: w for w in stored}
    want = {w.span: w for w in wanted}
    changes: list[Change] = []
    for window in stored:  # each of them: the API may have made two with one span
        span = DeclaredWindow.of(window).span
        if span not in want and window.phase(now) is WindowPhase.PLANNED:
            uow.maintenance.delete(window.id)
            changes.append(Change(Action.DELETE, "maintenance window", service_name, _span(span)))
    for span, declared in want.items():
        found = have.get(span)
        if found is None and declared.end_at > now:
            window = MaintenanceWindow.plan(service_id, *span, declared.reason, now)
            uow.maintenance.add(window)
            changes.append(Change(Action.CREATE, "maintenance window", service_name, _span(span)))
        elif found is not None and found.reason != declared.reason:
            found.reason = declared.reason
            uow.maintenance.update(found)
            detail = f"{_span(span)}: reason {declared.reason or '(none)'}"
            changes.append(Change(Action.UPDATE, "maintenance window", service_name, detail))
    return changes


def converge_heartbeats(
    uow: UnitOfWork,
    now: datetime,
    service_id: UUID,
    service_name: str,
    wanted: Sequence[DeclaredHeartbeat],
) -> list[Change]:
    """Create, retime or delete the service's heartbeats as the module says."""
    have = {h.name: h for h in uow.heartbeats.list_for_service(service_id)}
    want = {h.name: h for h in wanted}
    changes: list[Change] = []
    for name, heartbeat in have.items():
        if name not in want:
            uow.heartbeats.delete(heartbeat.id)
            changes.append(Change(Action.DELETE, "heartbeat", service_name, name))
    for name, declared in want.items():
        interval = timedelta(seconds=declared.interval_seconds)
        grace = timedelta(seconds=declared.grace_seconds)
        found = have.get(name)
        if found is None:
            uow.heartbeats.add(Heartbeat.create(service_id, name, interval, grace, now))
            changes.append(Change(Action.CREATE, "heartbeat", service_name, _every(declared)))
        elif DeclaredHeartbeat.of(found) != declared:
            found.retime(interval, grace)
            uow.heartbeats.update(found)
            changes.append(Change(Action.UPDATE, "heartbeat", service_name, _every(declared)))
    return changes


def export_windows(uow: UnitOfWork, now: datetime, service_id: UUID) -> tuple[DeclaredWindow, ...]:
    """The service's planned and current windows, earliest start first (past ones are
    history, not configuration)."""
    stored = uow.maintenance.list_for_service(service_id, LIST_LIMIT)
    kept = [w for w in stored if w.phase(now) is not WindowPhase.PAST]
    return tuple(DeclaredWindow.of(w) for w in sorted(kept, key=lambda w: (w.start_at, w.end_at)))


def export_heartbeats(uow: UnitOfWork, service_id: UUID) -> tuple[DeclaredHeartbeat, ...]:
    """The service's heartbeats by name, without their ping tokens."""
    stored = uow.heartbeats.list_for_service(service_id)
    return tuple(DeclaredHeartbeat.of(h) for h in sorted(stored, key=lambda h: h.name))


def _span(span: tuple[datetime, datetime]) -> str:
    return f"{rfc3339(span[0])} to {rfc3339(span[1])}"


def _every(declared: DeclaredHeartbeat) -> str:
    return f"{declared.name}, every {declared.interval_seconds} s, grace {declared.grace_seconds} s"
