"""Use cases of acknowledgement timers: fire the next due one, or a batch of due ones."""

from __future__ import annotations

from uuid import UUID

from pagerd.domain.alert import Alert, TimeoutOutcome
from pagerd.domain.timer import FiredTimer
from pagerd.service_layer.effects import persist_events_of
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict


@retry_on_conflict
def fire_next_due_timer(uow: UnitOfWork, clock: Clock) -> FiredTimer | None:
    """Consume the earliest due timer in one transaction; None when nothing is due.

    The timer row is deleted in the same commit as the escalation it causes, so a crash
    either leaves the timer due (fired again later) or leaves both done: never a lost or a
    doubled level. A stale timer (acknowledged, resolved, superseded alert) is consumed and
    changes nothing.
    """
    fired = _fire_due(uow, clock, 1)
    return fired[0] if fired else None


@retry_on_conflict
def fire_due_timers(uow: UnitOfWork, clock: Clock, limit: int) -> list[FiredTimer]:
    """Consume up to `limit` due timers, earliest first, in one transaction.

    The same guarantees as `fire_next_due_timer` for each timer (the batch commits whole or
    not at all), for one commit instead of `limit`: what lets a worker keep up when many
    timers fall due at once. Returns the fired timers, none when nothing is due.
    """
    return _fire_due(uow, clock, limit)


def _fire_due(uow: UnitOfWork, clock: Clock, limit: int) -> list[FiredTimer]:
    now = clock.now()
    with uow:
        # A few statements for the whole batch: claim the due timers (and lock their alerts),
        # read the alerts with their keys, delete the timers. Then each alert as before.
        timers = uow.timers.claim_due(now, limit)
        if not timers:
            return []
        alerts = uow.alerts.get_many_for_update({timer.alert_id for timer in timers})
        # Only the transaction that deletes a timer fires it: a timer handed out twice (an
        # at-least-once queue, a retried claim) must not exhaust a last level a second time.
        removed = uow.timers.remove_fired([timer.id for timer in timers])
        fired: list[FiredTimer] = []
        changed: dict[UUID, Alert] = {}
        for timer in timers:
            deleted_here = timer.id in removed
            removed.discard(timer.id)  # handed out twice in one batch: it fires once
            alert = alerts.get(timer.alert_id)
            outcome = TimeoutOutcome.STALE
            if deleted_here and alert is not None:
                outcome = alert.ack_timeout(timer.level, timer.pass_number, now)
                if outcome.changed_alert:
                    changed[alert.id] = alert
            fired.append(FiredTimer(timer, now - timer.due_at, outcome))
        # The batch's changes in a few statements, not a few per alert.
        uow.alerts.update_many(list(changed.values()))
        persist_events_of(uow, changed.values())
        uow.commit()
    return fired
