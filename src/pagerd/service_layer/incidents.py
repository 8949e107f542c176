"""Incident actions people take: resolve one incident, escalate it now, write a note.

Each is written on the incident's timeline with who did it (`by`: the API token's name or
the console user).
"""

from __future__ import annotations

from uuid import UUID

from pagerd.domain.alert import Alert
from pagerd.domain.roles import SYSTEM, Actor
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.services import heal_if_quiet

MAX_NOTE_LENGTH = 5_000


def _locked(uow: UnitOfWork, alert_id: UUID) -> Alert:
    """The alert, locked after its service (the lock order of every use case)."""
    seen = uow.alerts.get(alert_id)
    if seen is None:
        raise NotFound("alert", alert_id)
    uow.services.get_for_update(seen.monitored_service_id)
    alert = uow.alerts.get_for_update(alert_id)
    if alert is None:
        raise NotFound("alert", alert_id)
    return alert


@retry_on_conflict
def resolve_incident(
    uow: UnitOfWork, clock: Clock, alert_id: UUID, by: str | None, *, actor: Actor = SYSTEM
) -> Alert:
    """Resolve this incident (escalation stops); the service heals when no other incident of
    it is under way. Idempotent."""
    with uow:
        alert = _locked(uow, alert_id)
        if alert.resolve("manual", clock.now(), by=by):
            uow.alerts.update(alert)
            persist_alert_events(uow, alert)
            heal_if_quiet(uow, alert.monitored_service_id)
            after = {"status": alert.status, "resolved_by": by}
            record_audit(uow, clock, actor, "alert.resolved", alert_id, after=after)
            uow.commit()
        return alert


@retry_on_conflict
def escalate_incident(
    uow: UnitOfWork, clock: Clock, alert_id: UUID, by: str | None, *, actor: Actor = SYSTEM
) -> Alert:
    """Page the next level now, without waiting for its timer. Raises NothingToEscalate
    when the alert is not open, has no policy or no level left."""
    with uow:
        alert = _locked(uow, alert_id)
        alert.escalate(by, clock.now())
        uow.alerts.update(alert)
        persist_alert_events(uow, alert)
        after = {"notified_level_id": alert.level, "pass": alert.pass_number}
        record_audit(uow, clock, actor, "alert.escalated", alert_id, after=after)
        uow.commit()
        return alert


@retry_on_conflict
def add_note(
    uow: UnitOfWork,
    clock: Clock,
    alert_id: UUID,
    text: str,
    by: str | None,
    *,
    actor: Actor = SYSTEM,
) -> Alert:
    """Write a note on the incident's timeline (at most MAX_NOTE_LENGTH characters; the
    caller checks)."""
    with uow:
        alert = uow.alerts.get(alert_id)
        if alert is None:
            raise NotFound("alert", alert_id)
        alert.add_note(text, by, clock.now())
        persist_alert_events(uow, alert)
        record_audit(uow, clock, actor, "alert.noted", alert_id, after={"text": text})
        uow.commit()
        return alert
