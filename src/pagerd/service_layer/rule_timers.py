"""Use case of notification-rule timers: page a user's later contact methods as they fall due.

The timer row is deleted in the same transaction that writes its page, so a crash either
leaves the timer due (fired again later) or leaves both done: a later rule fires exactly
once. A timer of an alert no longer open, or of a user since disabled or deleted, is
consumed and pages nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pagerd.domain.accounts import User
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.notification import Notification
from pagerd.domain.timer import RuleTimer
from pagerd.service_layer.ports import Clock, TimelineEntry, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict


@dataclass(frozen=True)
class FiredRuleTimer:
    """A rule timer that was consumed; `paged` tells whether it wrote a page."""

    timer: RuleTimer
    lateness: timedelta
    paged: bool


@retry_on_conflict
def fire_due_rule_timers(uow: UnitOfWork, clock: Clock, limit: int) -> list[FiredRuleTimer]:
    """Consume up to `limit` due rule timers, earliest first, in one transaction; each
    writes its page to the outbox while its alert is still open. None due: an empty list."""
    now = clock.now()
    with uow:
        timers = uow.rule_timers.claim_due(now, limit)
        if not timers:
            return []
        alerts = uow.alerts.get_many_for_update({timer.alert_id for timer in timers})
        # Only the transaction whose delete removed a timer fires it.
        removed = uow.rule_timers.remove_fired([timer.id for timer in timers])
        users: dict[UUID, User | None] = {}
        fired: list[FiredRuleTimer] = []
        pages: list[Notification] = []
        entries: list[TimelineEntry] = []
        for timer in timers:
            alert = alerts.get(timer.alert_id)
            paged = timer.id in removed and _still_wanted(uow, alert, timer, users)
            removed.discard(timer.id)
            if paged and alert is not None:
                pages.append(_page(alert, timer, now))
                entries.append(_entry(timer, users[timer.user_id], now))
            fired.append(FiredRuleTimer(timer, now - timer.due_at, paged))
        uow.outbox.add_many(pages)
        uow.timeline.append_many(entries)
        uow.commit()
    return fired


def _still_wanted(
    uow: UnitOfWork, alert: Alert | None, timer: RuleTimer, users: dict[UUID, User | None]
) -> bool:
    if alert is None or alert.status is not AlertStatus.OPEN:
        return False  # acknowledging and resolving delete the timers; this is a safety net
    if timer.user_id not in users:
        users[timer.user_id] = uow.users.get(timer.user_id)
    user = users[timer.user_id]
    return user is not None and not user.disabled


def _page(alert: Alert, timer: RuleTimer, now: datetime) -> Notification:
    return Notification.for_contact_method(
        alert.id,
        alert.monitored_service_id,
        timer.level,
        timer.pass_number,
        timer.user_id,
        timer.contact_method_id,
        timer.channel,
        timer.address,
        now,
    )


def _entry(timer: RuleTimer, user: User | None, now: datetime) -> TimelineEntry:
    return TimelineEntry(
        alert_id=timer.alert_id,
        at=now,
        type="notification_rule_fired",
        details={
            "level_id": timer.level,
            "pass": timer.pass_number,
            "user_id": str(timer.user_id),
            "user_name": user.name if user is not None else None,
            "contact_method_id": str(timer.contact_method_id),
            "type": timer.channel.value,
            "address": timer.address,
        },
    )


def next_rule_timer_due_at(uow: UnitOfWork) -> datetime | None:
    """When the earliest pending rule timer falls due."""
    with uow:
        return uow.rule_timers.next_due_at()
