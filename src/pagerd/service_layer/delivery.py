"""Use cases of the outbox: lease due pages to a dispatcher, then record how delivery went.

Sending happens between the two, outside any transaction, so a slow provider never holds a
lock. A dispatcher killed after claiming leaves its lease to expire; another dispatcher then
claims the same rows and sends again with the same idempotency key (at-least-once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel, channel_kind
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.service_layer.ack_codes import code_for
from pagerd.service_layer.ack_tokens import AckLinks
from pagerd.service_layer.call_outcomes import settle_early_calls
from pagerd.service_layer.effects import persist_alert_events
from pagerd.service_layer.handoff import page_item
from pagerd.service_layer.message_updates import (
    claim_update_pages,
    follow_late_messages,
    is_update,
    record_update_outcomes,
    release_update_pages,
)
from pagerd.service_layer.paging import (
    DeliveryOutcome,
    DeliveryResult,
    HandedPage,
    OutgoingPage,
    PageItem,
    Sender,
)
from pagerd.service_layer.ports import Clock, TimelineEntry, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.test_messages import (
    claim_test_pages,
    is_test,
    record_test_outcomes,
    release_test_pages,
)

DEFAULT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Claim:
    """What one claim leased: the pages to send, and how many due notifications it took
    (pages of alerts no longer open were cancelled instead of sent)."""

    pages: list[OutgoingPage]
    notifications: int


def claim_pages(
    uow: UnitOfWork,
    clock: Clock,
    worker_id: str,
    limit: int = 100,
    lease: timedelta = DEFAULT_LEASE,
    links: AckLinks | None = None,
) -> list[OutgoingPage]:
    """Lease up to `limit` due notifications, grouped into one page per (channel, address)."""
    return claim_due_pages(uow, clock, worker_id, limit, lease, links).pages


@retry_on_conflict
def claim_due_pages(
    uow: UnitOfWork,
    clock: Clock,
    worker_id: str,
    limit: int = 100,
    lease: timedelta = DEFAULT_LEASE,
    links: AckLinks | None = None,
) -> Claim:
    """`claim_pages`, also telling how many notifications the claim took: fewer than
    `limit` means none was left due.

    Whatever a message needs besides its alert is decided here, in the claim's transaction,
    and carried on its items, so that senders only render and send: the signed acknowledge
    and console links (with `links`; none without), and on a channel whose kind asks for
    one, the reply code of each (alert, address), issued or reused and stored now."""
    now = clock.now()
    with uow:
        claimed = uow.outbox.claim_due(now, limit, worker_id, now + lease)
        groups: dict[tuple[Channel, str, UUID | None], list[PageItem]] = {}
        # An alert usually has several pages in a claim (one per target): read it once.
        alerts: dict[UUID, Alert | None] = {}
        service_names: dict[UUID, str] = {}
        for notification in sorted(claimed, key=lambda n: (n.created_at, str(n.id))):
            if notification.alert_id not in alerts:
                alerts[notification.alert_id] = uow.alerts.get(notification.alert_id)
            alert = alerts[notification.alert_id]
            if alert is None or alert.status is not AlertStatus.OPEN:
                _cancel(uow, notification, now)
                continue
            item = _page_item(uow, notification, alert, service_names)
            item = with_links(item, links, now)
            if channel_kind(notification.channel).reply_code:
                code = code_for(uow, now, notification.alert_id, notification.address)
                item = replace(item, reply_code=code.code)
            groups.setdefault(_group_key(notification), []).append(item)
        tests = claim_test_pages(uow, now, worker_id, limit, now + lease)
        tests += claim_update_pages(uow, now, worker_id, limit, now + lease)
        uow.commit()
    pages = [
        OutgoingPage(channel, address, tuple(items))
        for (channel, address, _), items in groups.items()
    ]
    return Claim(pages + tests, len(claimed) + len(tests))


def _group_key(notification: Notification) -> tuple[Channel, str, UUID | None]:
    """Pages to one address go out as one message, except on a channel whose messages
    follow their alert (edited when it is acknowledged): one message per page there."""
    alone = channel_kind(notification.channel).one_alert_per_message
    return notification.channel, notification.address, notification.id if alone else None


def with_links(item: PageItem, links: AckLinks | None, now: datetime) -> PageItem:
    """`item` with its signed acknowledge link and console link (a test message: none).
    Signed at claim time, so every attempt carries a fresh expiry."""
    if links is None or item.is_test:
        return item
    return replace(
        item,
        ack_url=links.url(item.alert_id, item.target_id, now),
        console_url=links.console_url(item.alert_id),
    )


def _cancel(uow: UnitOfWork, notification: Notification, now: datetime) -> None:
    # The alert was acknowledged or resolved after this page was queued: nobody is paged.
    notification.cancel()
    uow.outbox.update(notification, release=True)
    uow.timeline.append(
        TimelineEntry(
            alert_id=notification.alert_id,
            at=now,
            type="notification_cancelled",
            details={"notification_id": str(notification.id), "address": notification.address},
        )
    )


def _page_item(
    uow: UnitOfWork, notification: Notification, alert: Alert, service_names: dict[UUID, str]
) -> PageItem:
    service_id = notification.monitored_service_id
    if service_id not in service_names:
        service = uow.services.get(service_id)
        service_names[service_id] = service.name if service is not None else "(deleted service)"
    return page_item(notification, alert, service_names[service_id])


def handed_pages(
    handed: Sequence[HandedPage], links: AckLinks | None, now: datetime
) -> list[tuple[OutgoingPage, datetime]]:
    """The messages of pages handed over in memory (`handoff.py`), grouped as a claim groups
    them, each with the earliest lease of its pages; acknowledge links signed now."""
    groups: dict[tuple[Channel, str, UUID | None], list[HandedPage]] = {}
    for page in handed:
        alone = channel_kind(page.channel).one_alert_per_message
        key = (page.channel, page.address, page.item.notification_id if alone else None)
        groups.setdefault(key, []).append(page)
    return [
        (
            OutgoingPage(channel, address, tuple(with_links(p.item, links, now) for p in pages)),
            min(p.lease_until for p in pages),
        )
        for (channel, address, _), pages in groups.items()
    ]


def record_delivery(
    uow: UnitOfWork,
    clock: Clock,
    page: OutgoingPage,
    result: DeliveryResult,
    jitter: Callable[[], float],
    worker_id: str | None = None,
) -> None:
    """Store one page's outcome; see `record_deliveries`."""
    record_deliveries(uow, clock, [(page, result)], jitter, worker_id)


@retry_on_conflict
def record_deliveries(
    uow: UnitOfWork,
    clock: Clock,
    outcomes: Sequence[tuple[OutgoingPage, DeliveryResult]],
    jitter: Callable[[], float],
    worker_id: str | None = None,
) -> None:
    """Store each page's outcome on its notifications that are still pending, in one
    transaction (one commit for a whole dispatch cycle, not one per page).

    With `worker_id`, a failure is recorded only on notifications that worker still holds:
    once its lease expired and another worker claimed the page, the holder's outcome is the
    one that counts (otherwise a late failure would drop the holder's lease and invite a
    third send). A delivery is recorded whoever holds the lease: the message went out.
    A permanent failure that leaves every page of a level failed escalates that level at
    once instead of waiting for its timer. A notification listed more than once is
    recorded once, with its first outcome.
    """
    now = clock.now()
    tests = [(page, result) for page, result in outcomes if is_test(page)]
    edits = [(page, result) for page, result in outcomes if is_update(page)]
    kept = [result.dev_message for _, result in outcomes if result.dev_message is not None]
    outcomes = [(p, r) for p, r in outcomes if not is_test(p) and not is_update(p)]
    with uow:
        for message in kept:  # what the dev outbox kept instead of sending
            uow.dev_outbox.add(message)
        record_test_outcomes(uow, tests, now, jitter)
        record_update_outcomes(uow, edits, now, jitter)
        # Locked in id order, before the notifications, as every use case does.
        alerts = uow.alerts.get_many_for_update(
            {i.alert_id for page, _ in outcomes for i in page.items}
        )
        stored = uow.outbox.get_many(
            [i.notification_id for page, _ in outcomes for i in page.items]
        )
        recorded: list[Notification] = []
        failed_levels: set[tuple[UUID, int, int]] = set()
        for page, result in outcomes:
            for item in page.items:
                notification = stored.pop(item.notification_id, None)
                if notification is None or not notification.is_pending:
                    continue
                if _lost_lease(uow, notification, result, worker_id):
                    continue
                _apply(notification, result, now, jitter)
                recorded.append(notification)
                if notification.status is NotificationStatus.FAILED:
                    failed_levels.add((item.alert_id, item.level, item.pass_number))
        # A call reported unanswered before its placing was recorded fails now.
        for call in settle_early_calls(uow, recorded, alerts, now):
            if call.status is NotificationStatus.FAILED:
                failed_levels.add((call.alert_id, call.level, call.pass_number))
        # Each outcome stored with its lease dropped, and its timeline entry: two statements
        # for the whole batch.
        uow.outbox.update_many(recorded, release=True)
        uow.timeline.append_many([_delivery_entry(n, now) for n in recorded])
        for notification in recorded:
            alert = alerts.get(notification.alert_id)
            if notification.message_ref is not None and alert is not None:
                follow_late_messages(uow, alert, [notification])
        for alert_id, level, pass_number in sorted(failed_levels, key=str):
            alert = alerts.get(alert_id)
            assert alert is not None  # its notification exists, so the alert does
            escalate_if_level_failed(uow, alert, level, pass_number, now)
        uow.commit()


def _lost_lease(
    uow: UnitOfWork, notification: Notification, result: DeliveryResult, worker_id: str | None
) -> bool:
    if worker_id is None or result.outcome is DeliveryOutcome.DELIVERED:
        return False
    return not uow.outbox.is_claimed_by(notification.id, worker_id)


def _apply(
    notification: Notification, result: DeliveryResult, now: datetime, jitter: Callable[[], float]
) -> None:
    error = result.error or "unknown error"
    if result.outcome is DeliveryOutcome.DELIVERED:
        notification.delivered(now, result.message_ref)
    elif result.outcome is DeliveryOutcome.PERMANENT_FAILURE:
        notification.failed_permanently(error)
    else:
        notification.failed_transiently(error, now, jitter(), result.retry_after)


def _delivery_entry(notification: Notification, now: datetime) -> TimelineEntry:
    kind = {
        NotificationStatus.SENT: "delivered",
        NotificationStatus.FAILED: "delivery_failed",
    }.get(notification.status, "delivery_retry")
    return TimelineEntry(
        alert_id=notification.alert_id,
        at=now,
        type=kind,
        details={
            "notification_id": str(notification.id),
            "level_id": notification.level,
            "channel": notification.channel.value,
            "address": notification.address,
            "attempts": notification.attempts,
            "error": notification.last_error,
        },
    )


def escalate_if_level_failed(
    uow: UnitOfWork, alert: Alert, level: int, pass_number: int, now: datetime
) -> None:
    """Inside the caller's transaction: escalate now when every page of (level, pass)
    failed for good and nothing else can still reach somebody at that level."""
    # Only a level still waiting on its timer escalates early. One whose timer already fired
    # has timed out: it moved on, or (the last level) it exhausted, which must not repeat.
    timer = uow.timers.pending_for_alert(alert.id)
    waiting = timer is not None and (timer.level, timer.pass_number) == (level, pass_number)
    pages = uow.outbox.list_for_level(alert.id, level, pass_number)
    # A user's later rules still to fire keep the level alive: someone may yet answer.
    later = uow.rule_timers.count_for_level(alert.id, level, pass_number)
    all_failed = later == 0 and all(p.status is NotificationStatus.FAILED for p in pages)
    if waiting and all_failed and alert.level_failed(level, pass_number, now):
        uow.alerts.update(alert)
        persist_alert_events(uow, alert)


def deliver_due_pages(
    uow: UnitOfWork,
    clock: Clock,
    senders: Mapping[Channel, Sender],
    worker_id: str,
    jitter: Callable[[], float],
    limit: int = 100,
) -> int:
    """Claim due pages, send each through its channel in this thread, record each outcome.

    Returns how many messages were attempted. A whole dispatch in one call, for tests of
    races and properties that need no pool: the engine's dispatch duty does the same with
    sends on a pool and a cycle's outcomes recorded together (`record_deliveries`).
    """
    pages = claim_pages(uow, clock, worker_id, limit)
    for page in pages:
        result = senders[page.channel].send(page)
        record_delivery(uow, clock, page, result, jitter, worker_id)
    return len(pages)


@retry_on_conflict
def release_pages(uow: UnitOfWork, worker_id: str, pages: Iterable[OutgoingPage]) -> int:
    """Drop the leases `worker_id` still holds on `pages`, which it will not send (shutdown).

    The pages become due for any dispatcher at once instead of after the lease. A page that
    another dispatcher claimed since (our lease expired) is left alone. Returns how many
    notifications were released.
    """
    released = 0
    pages = list(pages)
    with uow:
        released += release_test_pages(uow, worker_id, [p for p in pages if is_test(p)])
        released += release_update_pages(uow, worker_id, [p for p in pages if is_update(p)])
        for page in (p for p in pages if not is_test(p) and not is_update(p)):
            for item in page.items:
                if uow.outbox.is_claimed_by(item.notification_id, worker_id):
                    uow.outbox.release(item.notification_id)
                    released += 1
        uow.commit()
    return released
