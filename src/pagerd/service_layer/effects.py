"""Turning what an alert recorded into rows: timeline entries, pages and timers.

Called inside the use case's unit of work, so the state change, the outbox rows and the
timers commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from pagerd.domain.alert import Alert
from pagerd.domain.events import (
    Acknowledged,
    AlertEvent,
    EscalationExhausted,
    LevelTriggered,
    Resolved,
)
from pagerd.domain.notification import Notification
from pagerd.domain.timer import AckTimer, RuleTimer
from pagerd.service_layer.expansion import expand_level
from pagerd.service_layer.handoff import write_new_pages
from pagerd.service_layer.message_updates import follow_messages
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork


def persist_alert_events(uow: UnitOfWork, alert: Alert) -> None:
    """Drain `alert.events` into the timeline and act on each; the caller commits.

    The rows are written in bulk (each statement costs more than its rows): the timeline
    entries in one statement, the pages in one, the timer in one upsert.
    """
    persist_events_of(uow, [alert])


def persist_events_of(uow: UnitOfWork, alerts: Iterable[Alert]) -> None:
    """`persist_alert_events` for several alerts, the rows of all of them written together
    (timers firing in a batch: a few statements for the batch instead of a few per alert)."""
    rows = _Rows(uow)
    advanced: list[Alert] = []
    for alert in alerts:
        effects = _Effects(rows, alert)
        # A level that reaches nobody fails at once, which records more events: drained
        # until the alert waits on a level that pages someone (or escalation ran out).
        while alert.events:
            events, alert.events = alert.events, []
            for event in events:
                _act_on(effects, event)
        effects.done()
        if effects.advanced:
            advanced.append(alert)
    # The caller stored these alerts before their empty levels failed: store them again.
    uow.alerts.update_many(advanced)
    rows.flush()


def _act_on(effects: _Effects, event: AlertEvent) -> None:
    effects.rows.entries.append(timeline_entry(event))
    if isinstance(event, LevelTriggered):
        effects.page_level(event)
    elif isinstance(event, Acknowledged):
        effects.stop_escalation()
        effects.follow_messages("acknowledged", event.by, event.at)
    elif isinstance(event, Resolved):
        effects.stop_escalation()
        effects.follow_messages("resolved", event.by, event.at)
    elif isinstance(event, EscalationExhausted):
        # Nothing is left to wait for. A failed last level exhausts before its timer
        # is due; left armed, that timer would exhaust the alert a second time.
        effects.cancel_timer()


def timeline_entry(event: AlertEvent) -> TimelineEntry:
    """The stored form of a domain event."""
    return TimelineEntry(
        alert_id=event.alert_id, at=event.at, type=event.type, details=event.details()
    )


class _Rows:
    """The rows the events of one or more alerts write, held back to be written in bulk."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.entries: list[TimelineEntry] = []
        self.pages: list[Notification] = []
        self.alerts: dict[UUID, Alert] = {}  # whose pages are in `pages`
        self.rule_timers: list[RuleTimer] = []
        self.timers: list[AckTimer] = []
        self.cancelled_timers: list[UUID] = []
        self.followed: list[tuple[Alert, str, str | None, datetime]] = []

    def write_pages(self) -> None:
        write_new_pages(self.uow, self.pages, self.alerts)
        self.pages = []
        self.uow.rule_timers.add_many(self.rule_timers)
        self.rule_timers = []

    def flush(self) -> None:
        self.write_pages()
        self.uow.timers.cancel_for_alerts(self.cancelled_timers)
        for timer in self.timers:
            self.uow.timers.arm(timer)
        self.uow.timeline.append_many(self.entries)
        if self.followed:
            sent = self.uow.outbox.sent_messages_of({alert.id for alert, *_ in self.followed})
            for alert, state, by, at in self.followed:
                pages = [page for page in sent if page.alert_id == alert.id]
                follow_messages(self.uow, alert, pages, state, by, at)
            self.followed = []


class _Effects:
    """What one alert's events do, into the held-back rows.

    A cancellation acts on what is written: it writes the pages held back first (so it
    cancels them too), and drops the alert's timer held back (it would be deleted at once).
    """

    def __init__(self, rows: _Rows, alert: Alert) -> None:
        self.rows = rows
        self.uow = rows.uow
        self.alert = alert
        self.timer: AckTimer | None = None
        self.cancel = False
        self.advanced = False

    def page_level(self, event: LevelTriggered) -> None:
        alert = self.alert
        expansion = expand_level(self.uow, alert, event)
        self.rows.pages.extend(expansion.pages)
        self.rows.alerts[alert.id] = alert
        self.rows.rule_timers.extend(expansion.rule_timers)
        self.rows.entries.extend(expansion.entries)
        assert event.timer_due_at is not None  # every triggered level has a timeout
        self.timer = AckTimer.arm(alert.id, event.level, event.pass_number, event.timer_due_at)
        if not expansion.reaches_anyone and alert.level_failed(
            event.level, event.pass_number, event.at
        ):
            self.advanced = True

    def cancel_timer(self) -> None:
        self.timer = None
        self.cancel = True

    def done(self) -> None:
        """The alert's events are all seen: hand its timer work to the rows."""
        if self.cancel:
            self.rows.cancelled_timers.append(self.alert.id)
        if self.timer is not None:
            self.rows.timers.append(self.timer)

    def follow_messages(self, state: str, by: str | None, at: datetime) -> None:
        """Owe an edit to each message sent for the alert that follows it (Slack): looked
        up for every such alert at once when the rows are flushed."""
        self.rows.followed.append((self.alert, state, by, at))

    def stop_escalation(self) -> None:
        alert = self.alert
        self.cancel_timer()
        self.rows.write_pages()
        self.rows.entries.extend(
            TimelineEntry(
                alert_id=alert.id,
                at=alert.resolved_at or alert.acknowledged_at or alert.created_at,
                type="notification_cancelled",
                details={"notification_id": str(cancelled.id), "address": cancelled.address},
            )
            for cancelled in self.uow.outbox.cancel_pending_for_alert(alert.id)
        )
        self.rows.entries.extend(
            TimelineEntry(
                alert_id=alert.id,
                at=alert.resolved_at or alert.acknowledged_at or alert.created_at,
                type="notification_rule_cancelled",
                details={
                    "user_id": str(timer.user_id),
                    "contact_method_id": str(timer.contact_method_id),
                    "address": timer.address,
                    "due_at": timer.due_at.isoformat(),
                },
            )
            for timer in self.uow.rule_timers.cancel_for_alerts([alert.id])
        )
