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
    """Drain `alert.events` into the timeline and act on each; the caller commits.

    The rows are written in bulk (each statement costs more than its rows): the timeline
    entries in one statement, the pages in one, the timer in one upsert.
    """
    events, alert.events = alert.events, []
    effects = _Effects(uow, alert)
    for event in events:
        effects.entries.append(timeline_entry(event))
        if isinstance(event, LevelTriggered):
            effects.page_level(event)
        elif isinstance(event, Acknowledged | Resolved):
            effects.stop_escalation()
        elif isinstance(event, EscalationExhausted):
            # Nothing is left to wait for. A failed last level exhausts before its timer is
            # due; left armed, that timer would exhaust the alert a second time.
            effects.cancel_timer()
    effects.flush()


def timeline_entry(event: AlertEvent) -> TimelineEntry:
    """The stored form of a domain event."""
    return TimelineEntry(
        alert_id=event.alert_id, at=event.at, type=event.type, details=event.details()
    )


class _Effects:
    """The rows one batch of events writes, held back to be written in bulk.

    A cancellation acts on what is written: it writes the pages held back first (so it
    cancels them too), and drops the timer held back (it would be deleted at once).
    """

    def __init__(self, uow: UnitOfWork, alert: Alert) -> None:
        self.uow = uow
        self.alert = alert
        self.entries: list[TimelineEntry] = []
        self.pages: list[Notification] = []
        self.timer: AckTimer | None = None

    def page_level(self, event: LevelTriggered) -> None:
        alert = self.alert
        self.pages.extend(
            Notification.for_target(
                alert.id,
                alert.monitored_service_id,
                event.level,
                event.pass_number,
                target,
                event.at,
            )
            for target in event.targets
        )
        assert event.timer_due_at is not None  # every triggered level has a timeout
        self.timer = AckTimer.arm(alert.id, event.level, event.pass_number, event.timer_due_at)

    def cancel_timer(self) -> None:
        self.timer = None
        self.uow.timers.cancel_for_alert(self.alert.id)

    def stop_escalation(self) -> None:
        alert = self.alert
        self.cancel_timer()
        self._write_pages()
        self.entries.extend(
            TimelineEntry(
                alert_id=alert.id,
                at=alert.resolved_at or alert.acknowledged_at or alert.created_at,
                type="notification_cancelled",
                details={"notification_id": str(cancelled.id), "address": cancelled.address},
            )
            for cancelled in self.uow.outbox.cancel_pending_for_alert(alert.id)
        )

    def flush(self) -> None:
        self._write_pages()
        if self.timer is not None:
            self.uow.timers.arm(self.timer)
        self.uow.timeline.append_many(self.entries)

    def _write_pages(self) -> None:
        self.uow.outbox.add_many(self.pages)
        self.pages = []
