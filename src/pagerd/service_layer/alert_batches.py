"""Many alerts of one source call in one unit of work (Alertmanager's webhook).

Set-based: the keys already held are found with one indexed query per thousand keys, the
new incidents and the keys that joined are written with one statement per table, and so are
the timeline entries and pages. The work per alert does not depend on how many keys an
incident already holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

from pagerd.domain.alert import Alert
from pagerd.domain.maintenance import MaintenanceWindow
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.service import IncidentGrouping, MonitoredService
from pagerd.service_layer.alerts import IncomingAlert, join, open_incident
from pagerd.service_layer.effects import persist_events_of
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.services import heal_if_quiet

Action = Literal["opened", "joined", "unchanged", "key_resolved", "not_held"]


@dataclass
class BatchResult:
    """What became of each alert of the batch, by dedup key, in the order applied."""

    actions: list[tuple[str, Action]] = field(default_factory=list)
    received: list[tuple[UUID, bool]] = field(default_factory=list)
    """(incident id, deduplicated) of each firing alert that opened or joined one."""

    def count(self, action: Action) -> int:
        """How many alerts ended so."""
        return sum(1 for _, done in self.actions if done == action)


@dataclass
class _Batch:
    """The incidents a batch touches, by id, and the keys each holds that it looked up."""

    uow: UnitOfWork
    service: MonitoredService
    now: datetime
    plan: EscalationPlan | None
    maintenance: MaintenanceWindow | None  # the window covering the service, if any
    incidents: dict[UUID, Alert] = field(default_factory=dict)
    new: list[UUID] = field(default_factory=list)
    changed: set[UUID] = field(default_factory=set)
    holders: dict[str, UUID] = field(default_factory=dict)
    current: Alert | None = None  # `service` grouping: the incident alerts join


@retry_on_conflict
def receive_alert_batch(
    uow: UnitOfWork,
    clock: Clock,
    service_id: UUID,
    firing: Sequence[IncomingAlert],
    resolved_keys: Sequence[str],
) -> BatchResult:
    """Apply firing alerts (open or join; one whose key an incident already holds changes
    nothing), then resolved keys (removed; incidents left with none resolve), then heal the
    service if nothing is left under way. All or nothing, in one commit."""
    with uow:
        service = uow.services.get_for_update(service_id)
        if service is None:
            raise NotFound("service", service_id)
        policy = uow.policies.get_for_service(service_id)
        now = clock.now()
        plan = EscalationPlan.freeze(policy) if policy else None
        batch = _Batch(uow, service, now, plan, uow.maintenance.covering(service_id, now))
        result = BatchResult()
        _look_up_holders(batch, [a.dedup_key for a in firing] + list(resolved_keys))
        for incoming in firing:
            action = _fire(batch, incoming)
            result.actions.append((incoming.dedup_key, action))
            if action in ("opened", "joined"):
                incident = batch.holders[incoming.dedup_key]
                result.received.append((incident, action == "joined"))
        _write(batch)
        result.actions += _resolve(batch, resolved_keys)
        _write(batch)
        persist_events_of(uow, batch.incidents.values())
        if any(action == "key_resolved" for _, action in result.actions):
            heal_if_quiet(uow, service_id)
        uow.commit()
        return result


def _look_up_holders(batch: _Batch, keys: Sequence[str]) -> None:
    """Which incident under way holds each key, and those incidents locked."""
    uow, service = batch.uow, batch.service
    if service.incident_grouping is IncidentGrouping.SERVICE:
        active = uow.alerts.get_active_for_service_for_update(service.id)
        if active is None:
            return
        batch.incidents[active.id] = active
        batch.current = active
        batch.holders = dict.fromkeys(uow.alerts.held_keys(active.id, keys), active.id)
        return
    batch.holders = uow.alerts.active_holders(service.id, keys)
    batch.incidents = uow.alerts.get_many_for_update(set(batch.holders.values()))


def _fire(batch: _Batch, incoming: IncomingAlert) -> Action:
    if incoming.dedup_key in batch.holders:
        return "unchanged"  # a repeat (Alertmanager re-sends what still fires)
    target = batch.current  # None under `dedup_key` grouping: a new key opens its own
    if target is not None:
        join(target, incoming, False, batch.service, batch.now, batch.maintenance)
        batch.changed.add(target.id)
        batch.holders[incoming.dedup_key] = target.id
        return "joined"
    alert = open_incident(
        batch.uow, batch.service, incoming, batch.now, batch.plan, batch.maintenance
    )
    batch.incidents[alert.id] = alert
    if batch.service.incident_grouping is IncidentGrouping.SERVICE:
        batch.current = alert
    batch.new.append(alert.id)
    batch.holders[incoming.dedup_key] = alert.id
    return "opened"


def _resolve(batch: _Batch, keys: Sequence[str]) -> list[tuple[str, Action]]:
    actions: list[tuple[str, Action]] = []
    by_incident: dict[UUID, list[str]] = {}
    for key in dict.fromkeys(keys):
        holder = batch.holders.pop(key, None)
        actions.append((key, "key_resolved" if holder is not None else "not_held"))
        if holder is not None:
            by_incident.setdefault(holder, []).append(key)
    for alert_id, held in by_incident.items():
        batch.incidents[alert_id].resolve_dedup_keys(held, batch.now)
        batch.changed.add(alert_id)
    return actions


def _write(batch: _Batch) -> None:
    """Store what changed: new incidents inserted, changed ones updated (with their keys)."""
    fresh = set(batch.new)
    batch.uow.alerts.add_many([batch.incidents[i] for i in batch.new])
    batch.uow.alerts.update_many([batch.incidents[i] for i in batch.changed - fresh])
    batch.new, batch.changed = [], set()
