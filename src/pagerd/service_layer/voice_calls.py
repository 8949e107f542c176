"""Use cases of voice calls after they were placed: the key pressed during a call, and the
call's final status.

A call carries one or more notifications (the pages waiting for that phone when it was
placed); both callbacks name them. Each use case runs in one unit of work and remembers the
provider's call id in it, so a replayed or retried callback changes nothing more.

- Key 1 acknowledges every alert of the call, attributed to the user the call was for.
- Key 2 escalates every alert of the call that is still at the level and pass that called:
  a second "2" (another person of the same level, a replay) cannot skip a level.
- A call nobody answered (no answer, busy, failed, a voicemail) reopens its pages as a
  failed attempt (`Notification.call_unanswered`); the last allowed attempt fails them, and
  a level whose every page failed escalates at once, as for any channel.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.errors import AlertAlreadyResolved, NothingToEscalate
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.roles import Actor, Role
from pagerd.domain.voice_call import (
    CALL_RETRY_DELAY,
    MAX_CALL_ATTEMPTS,
    CallOutcome,
    KeyPress,
    call_outcome,
    key_press,
    unanswered_reason,
)
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.call_outcomes import is_in_flight, remember_early
from pagerd.service_layer.delivery import escalate_if_level_failed
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.ports import Clock, TimelineEntry, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

GATHER_PROVIDER = "twilio-voice-gather"
STATUS_PROVIDER = "twilio-voice-status"
MAX_NOTIFICATIONS_PER_CALL = 20
"""A call reads at most this many alerts; callback URLs never name more."""


@dataclass(frozen=True)
class KeyPressResult:
    """What a keypress did: the key as understood, and the alerts it changed."""

    key: KeyPress
    changed: tuple[UUID, ...] = ()
    repeated: bool = False


@dataclass(frozen=True)
class CallStatusResult:
    """What a status callback did: the outcome, and the pages retried or failed for good."""

    outcome: CallOutcome
    retried: list[Notification] = field(default_factory=list)
    failed: list[Notification] = field(default_factory=list)
    repeated: bool = False


@retry_on_conflict
def press_key(
    uow: UnitOfWork, clock: Clock, notification_ids: Collection[UUID], digits: str, call_sid: str
) -> KeyPressResult:
    """Act on the key pressed during the call that carried `notification_ids`."""
    key = key_press(digits)
    if key is KeyPress.UNKNOWN:
        return KeyPressResult(key)
    now = clock.now()
    with uow:
        if call_sid and uow.inbound_messages.seen(GATHER_PROVIDER, call_sid):
            return KeyPressResult(key, repeated=True)
        pages = _pages(uow, notification_ids)
        changed: list[UUID] = []
        for page in _one_per_alert(pages):
            actor = _callee(uow, page)
            alert = _locked_alert(uow, page.alert_id)
            if alert is None:
                continue
            done = (
                _acknowledge(uow, clock, alert, actor, now)
                if key is KeyPress.ACKNOWLEDGE
                else _escalate(uow, clock, alert, page, actor, now)
            )
            if done:
                changed.append(alert.id)
        if call_sid:
            uow.inbound_messages.remember(GATHER_PROVIDER, call_sid, now)
        uow.commit()
    return KeyPressResult(key, tuple(changed))


def _acknowledge(uow: UnitOfWork, clock: Clock, alert: Alert, actor: Actor, now: datetime) -> bool:
    try:
        if not alert.acknowledge(actor.name, now):
            return False
    except AlertAlreadyResolved:
        return False
    after = {"status": alert.status, "acknowledged_by": alert.acknowledged_by}
    _store_change(uow, clock, alert, actor, "alert.acknowledged", after)
    return True


def _escalate(
    uow: UnitOfWork, clock: Clock, alert: Alert, page: Notification, actor: Actor, now: datetime
) -> bool:
    # Only from the level and pass that placed the call: the level has moved on otherwise.
    if (alert.level, alert.pass_number) != (page.level, page.pass_number):
        return False
    try:
        alert.escalate(actor.name, now)
    except NothingToEscalate:
        return False
    after = {"notified_level_id": alert.level, "pass": alert.pass_number}
    _store_change(uow, clock, alert, actor, "alert.escalated", after)
    return True


def _store_change(
    uow: UnitOfWork, clock: Clock, alert: Alert, actor: Actor, action: str, after: dict[str, Any]
) -> None:
    # What a key press changed is stored as the console's buttons store it: the alert, its
    # events (timers, pages, message edits), and the audit entry naming the caller.
    uow.alerts.update(alert)
    persist_alert_events(uow, alert)
    record_audit(uow, clock, actor, action, alert.id, after=after)


@retry_on_conflict
def record_call_status(
    uow: UnitOfWork,
    clock: Clock,
    notification_ids: Collection[UUID],
    call_sid: str,
    call_status: str,
    answered_by: str = "",
) -> CallStatusResult:
    """Record the final status of the call that carried `notification_ids`."""
    outcome = call_outcome(call_status, answered_by)
    if outcome is CallOutcome.IN_PROGRESS:
        return CallStatusResult(outcome)
    now = clock.now()
    with uow:
        if call_sid and uow.inbound_messages.seen(STATUS_PROVIDER, call_sid):
            return CallStatusResult(outcome, repeated=True)
        if outcome is CallOutcome.ANSWERED:
            result = CallStatusResult(outcome)
            _note_answered(uow, _pages(uow, notification_ids), call_status, now)
        else:
            reason = unanswered_reason(call_status, answered_by)
            result = _unanswered(uow, notification_ids, reason, now)
        if call_sid:
            uow.inbound_messages.remember(STATUS_PROVIDER, call_sid, now)
        uow.commit()
    return result


def _unanswered(
    uow: UnitOfWork, notification_ids: Collection[UUID], error: str, now: datetime
) -> CallStatusResult:
    ids = list(notification_ids)[:MAX_NOTIFICATIONS_PER_CALL]
    seen = uow.outbox.get_many(ids)
    # Alerts before notifications: the lock order of every use case.
    alerts = uow.alerts.get_many_for_update({p.alert_id for p in seen.values()})
    pages = sorted(uow.outbox.get_many(ids).values(), key=lambda n: (n.created_at, str(n.id)))
    retried: list[Notification] = []
    failed: list[Notification] = []
    for page in pages:
        alert = alerts.get(page.alert_id)
        if alert is None or alert.status is not AlertStatus.OPEN:
            continue  # acknowledged or resolved meanwhile: nobody needs calling again
        if is_in_flight(page, now):
            remember_early(uow, page, now)  # settled when the call's placing is recorded
            continue
        if not page.call_unanswered(error, now, MAX_CALL_ATTEMPTS, CALL_RETRY_DELAY):
            continue
        (failed if page.status is NotificationStatus.FAILED else retried).append(page)
    changed = retried + failed
    uow.outbox.update_many(changed, release=True)
    uow.timeline.append_many([_attempt_entry(page, now) for page in changed])
    for alert_id, level, pass_number in sorted(
        {(p.alert_id, p.level, p.pass_number) for p in failed}, key=str
    ):
        escalate_if_level_failed(uow, alerts[alert_id], level, pass_number, now)
    return CallStatusResult(CallOutcome.UNANSWERED, retried, failed)


def _attempt_entry(page: Notification, now: datetime) -> TimelineEntry:
    failed = page.status is NotificationStatus.FAILED
    return TimelineEntry(
        alert_id=page.alert_id,
        at=now,
        type="delivery_failed" if failed else "delivery_retry",
        details={
            "notification_id": str(page.id),
            "level_id": page.level,
            "channel": page.channel.value,
            "address": page.address,
            "attempts": page.attempts,
            "error": page.last_error,
        },
    )


def _pages(uow: UnitOfWork, notification_ids: Collection[UUID]) -> list[Notification]:
    found = uow.outbox.get_many(list(notification_ids)[:MAX_NOTIFICATIONS_PER_CALL])
    return sorted(found.values(), key=lambda n: (n.created_at, str(n.id)))


def _one_per_alert(pages: list[Notification]) -> list[Notification]:
    seen: dict[UUID, Notification] = {}
    for page in pages:
        seen.setdefault(page.alert_id, page)
    return sorted(seen.values(), key=lambda n: str(n.alert_id))


def _locked_alert(uow: UnitOfWork, alert_id: UUID) -> Alert | None:
    """The alert, locked after its service (the lock order of every use case)."""
    seen = uow.alerts.get(alert_id)
    if seen is None:
        return None
    uow.services.get_for_update(seen.monitored_service_id)
    return uow.alerts.get_for_update(alert_id)


def _callee(uow: UnitOfWork, page: Notification) -> Actor:
    """Who answered: the user the call was for, else the number called."""
    user = uow.users.get(page.user_id) if page.user_id is not None else None
    if user is None:
        return Actor(f"{page.address} (voice call)", Role.RESPONDER)
    return Actor(user.name, user.role, user.id)


def _note_answered(
    uow: UnitOfWork, pages: list[Notification], call_status: str, now: datetime
) -> None:
    uow.timeline.append_many(
        [
            TimelineEntry(
                alert_id=page.alert_id,
                at=now,
                type="call_answered",
                details={"notification_id": str(page.id), "address": page.address},
            )
            for page in pages
        ]
    )
