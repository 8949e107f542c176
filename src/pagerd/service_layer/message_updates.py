"""Use cases of message updates: owe an edit to each sent message that follows its alert,
and the dispatcher's part (claim, record, release), as for test messages.

When an alert is acknowledged or resolved, `follow_messages` (called by
`persist_alert_events`, inside the use case's transaction) owes an edit to every message
sent for it on a channel whose messages follow their alert (`one_alert_per_message`) and
whose provider gave a reference. A page sent after that (it was in flight) gets its edit
when its delivery is recorded. The dispatcher claims due edits with the pages, under the
same lease, and sends them through the channel's sender: an update page carries the
message's reference (`PageItem.edit_of`) and the new status line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import channel_kind
from pagerd.domain.message_update import MessageUpdate
from pagerd.domain.notification import Notification
from pagerd.service_layer.outcomes import record_outcomes, release_leases
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, PageItem
from pagerd.service_layer.ports import UnitOfWork


def follow_messages(
    uow: UnitOfWork,
    alert: Alert,
    pages: Iterable[Notification],
    state: str,
    by: str | None,
    at: datetime,
) -> None:
    """Inside the caller's transaction: owe an edit to each of `pages` (notifications of
    `alert`) sent as a message that follows its alert: the alert was `state`
    (`acknowledged`, `resolved`) by `by` at `at`."""
    sent = [
        page
        for page in pages
        if page.message_ref is not None and channel_kind(page.channel).one_alert_per_message
    ]
    if not sent:
        return
    service = uow.services.get(alert.monitored_service_id)
    name = service.name if service is not None else "(deleted service)"
    uow.message_updates.add_many(
        [MessageUpdate.of(p, name, alert.message, alert.severity, state, by, at) for p in sent]
    )


def follow_late_messages(uow: UnitOfWork, alert: Alert, pages: Iterable[Notification]) -> None:
    """`follow_messages` for pages recorded as sent after their alert stopped being open
    (they were in flight when it was acknowledged or resolved)."""
    if alert.status is AlertStatus.RESOLVED:
        follow_messages(uow, alert, pages, "resolved", None, alert.resolved_at or alert.created_at)
    elif alert.status is AlertStatus.ACKNOWLEDGED:
        at = alert.acknowledged_at or alert.created_at
        follow_messages(uow, alert, pages, "acknowledged", alert.acknowledged_by, at)


def update_page(update: MessageUpdate) -> OutgoingPage:
    """The edit as channels send it: one item naming the message to edit."""
    item = PageItem(
        notification_id=update.id,
        alert_id=update.alert_id,
        monitored_service_id=update.alert_id,
        service_name=update.service_name,
        message=update.message,
        level=0,
        pass_number=0,
        target_id=update.notification_id,
        alert_created_at=update.at,
        severity=update.severity,
        edit_of=update.message_ref,
        status_line=update.status_line,
    )
    return OutgoingPage(update.channel, update.address, (item,))


def claim_update_pages(
    uow: UnitOfWork, now: datetime, worker_id: str, limit: int, lease_until: datetime
) -> list[OutgoingPage]:
    """Inside the caller's transaction: lease due edits and return their pages."""
    claimed = uow.message_updates.claim_due(now, limit, worker_id, lease_until)
    return [update_page(u) for u in claimed]


def record_update_outcomes(
    uow: UnitOfWork,
    outcomes: Sequence[tuple[OutgoingPage, DeliveryResult]],
    now: datetime,
    jitter: Callable[[], float],
) -> None:
    """Inside the caller's transaction: store each edit's outcome, dropping its lease."""
    record_outcomes(uow.message_updates, outcomes, now, jitter)


def release_update_pages(uow: UnitOfWork, worker_id: str, pages: Iterable[OutgoingPage]) -> int:
    """Inside the caller's transaction: drop `worker_id`'s leases on unsent edits."""
    return release_leases(uow.message_updates, worker_id, pages)


def is_update(page: OutgoingPage) -> bool:
    """Whether a page is an edit of a sent message (an edit carries only itself)."""
    return page.items[0].edit_of is not None
