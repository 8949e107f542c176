"""Turning what an alert recorded into rows: timeline entries, pages and timers.

Called inside the use case's unit of work, so the state change, the outbox rows and the
timers commit together or not at all.
"""

from __future__ import annotations

from pagerd.domain.alert import Alert
from pagerd.domain.events import (
    Acknowledged,
    AlertEvent,
    EscalationExhausted,
    LevelTriggered,
    Resolved,
)
from pagerd.domain.notification import Notification
from pagerd.domain.timer import AckTimer
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork


def persist_alert_events(uow: UnitOfWork, alert: Alert) -> None:
    """Drain `alert.events` into the timeline and act on each; the caller commits."""
    events, alert.events = alert.events, []
    for event in events:
        uow.timeline.append(timeline_entry(event))
        if isinstance(event, LevelTriggered):
            _page_level(uow, alert, event)
        elif isinstance(event, Acknowledged | Resolved):
            _stop_escalation(uow, alert)
        elif isinstance(event, EscalationExhausted):
            # Nothing is left to wait for. A failed last level exhausts before its timer is
            # due; left armed, that timer would exhaust the alert a second time.
            uow.timers.cancel_for_alert(alert.id)


def timeline_entry(event: AlertEvent) -> TimelineEntry:
    """The stored form of a domain event."""
    return TimelineEntry(
        alert_id=event.alert_id, at=event.at, type=event.type, details=event.details()
    )


def _page_level(uow: UnitOfWork, alert: Alert, event: LevelTriggered) -> None:
    for target in event.targets:
        uow.outbox.add(
            Notification.for_target(
                alert.id,
                alert.monitored_service_id,
                event.level,
                event.pass_number,
                target,
                event.at,
            )
        )
    assert event.timer_due_at is not None  # every triggered level has a timeout
    uow.timers.arm(AckTimer.arm(alert.id, event.level, event.pass_number, event.timer_due_at))


def _stop_escalation(uow: UnitOfWork, alert: Alert) -> None:
    uow.timers.cancel_for_alert(alert.id)
    for cancelled in uow.outbox.cancel_pending_for_alert(alert.id):
        uow.timeline.append(
            TimelineEntry(
                alert_id=alert.id,
                at=alert.resolved_at or alert.acknowledged_at or alert.created_at,
                type="notification_cancelled",
                details={"notification_id": str(cancelled.id), "address": cancelled.address},
            )
        )
