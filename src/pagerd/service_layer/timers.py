"""Use case of acknowledgement timers: fire the next due one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pagerd.domain.timer import AckTimer
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict


@dataclass(frozen=True)
class FiredTimer:
    """A timer that was consumed; `escalated` tells whether its alert moved on."""

    timer: AckTimer
    lateness: timedelta
    escalated: bool


@retry_on_conflict
def fire_next_due_timer(uow: UnitOfWork, clock: Clock) -> FiredTimer | None:
    """Consume the earliest due timer in one transaction; None when nothing is due.

    The timer row is deleted in the same commit as the escalation it causes, so a crash
    either leaves the timer due (fired again later) or leaves both done: never a lost or a
    doubled level. A stale timer (acknowledged, resolved, superseded alert) is consumed and
    changes nothing.
    """
    now = clock.now()
    with uow:
        timer = uow.timers.claim_next_due(now)
        if timer is None:
            return None
        alert = uow.alerts.get_for_update(timer.alert_id)
        # Only the transaction that deletes the timer fires it: a timer handed out twice (an
        # at-least-once queue, a retried claim) must not exhaust a last level a second time.
        removed = uow.timers.remove(timer.id)
        escalated = (
            removed and alert is not None and alert.ack_timeout(timer.level, timer.pass_number, now)
        )
        if alert is not None and escalated:
            uow.alerts.update(alert)
            persist_alert_events(uow, alert)
        uow.commit()
        return FiredTimer(timer, now - timer.due_at, escalated)
