"""Handing fresh pages to the dispatcher of the same process, in memory.

When a dispatcher runs in the process that creates pages (`pagerd serve` with its workers
in-process), the unit of work that creates a page also leases it to that dispatcher, in the
same transaction, and once the transaction is durable hands it over in memory: the page goes
out without waiting for a dispatcher to find and claim it in a transaction of its own.

The database stays the source of truth. The row is written leased to the dispatcher's worker
id, exactly as its claim would have left it, so other dispatchers leave it alone; the
dispatcher records the outcome as for a claimed page. If the process dies before that, the
lease returns the page as it returns any claimed page (at once when the worker's liveness
row says the process is dead, else when the lease runs out) and it is sent, with the same
idempotency key, by whoever claims it. A rolled-back transaction hands nothing.

Not handed: pages of an alert no longer open when they are written (a claim would cancel
them), and pages on a channel whose messages carry a reply code (SMS), since the code is
issued and stored by the claim's transaction. Without a dispatcher registered in the process
(workers in another process, or stopping, or overloaded) every page waits for a claim, as
before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import channel_kind
from pagerd.domain.notification import Notification
from pagerd.service_layer.paging import HandedPage, PageItem
from pagerd.service_layer.ports import UnitOfWork


def write_new_pages(
    uow: UnitOfWork, pages: Sequence[Notification], alerts: Mapping[UUID, Alert]
) -> None:
    """Add `pages` (of `alerts`) to the outbox; those the local dispatcher can take are leased
    to it and handed to it after commit (see the module docstring)."""
    receiver = uow.handoff.receiver() if uow.handoff is not None and pages else None
    if receiver is None:
        uow.outbox.add_many(pages)
        return
    handed: list[Notification] = []
    kept: list[Notification] = []
    for page in pages:  # one pass: an Alertmanager call may write thousands of pages
        (handed if _can_hand(page, alerts.get(page.alert_id)) else kept).append(page)
    uow.outbox.add_many(kept)
    if not handed:
        return
    # One lease for the whole batch, from the earliest creation time: never later than what
    # each page's own claim would have stored.
    lease_until = min(n.created_at for n in handed) + receiver.lease
    uow.outbox.add_many(handed, receiver.worker_id, lease_until)
    names: dict[UUID, str] = {}
    uow.hand_off_after_commit(
        receiver,
        [
            HandedPage(
                n.channel,
                n.address,
                page_item(n, alerts[n.alert_id], _service_name(uow, n, names)),
                lease_until,
            )
            for n in handed
        ],
    )


def _can_hand(notification: Notification, alert: Alert | None) -> bool:
    return (
        alert is not None
        and alert.status is AlertStatus.OPEN
        and notification.is_pending
        and not channel_kind(notification.channel).reply_code
    )


def _service_name(uow: UnitOfWork, notification: Notification, names: dict[UUID, str]) -> str:
    service_id = notification.monitored_service_id
    if service_id not in names:
        service = uow.services.get(service_id)
        names[service_id] = service.name if service is not None else "(deleted service)"
    return names[service_id]


def page_item(notification: Notification, alert: Alert, service_name: str) -> PageItem:
    """What a message says of one page of `alert` (links and reply codes are added later)."""
    return PageItem(
        notification_id=notification.id,
        alert_id=notification.alert_id,
        monitored_service_id=notification.monitored_service_id,
        service_name=service_name,
        message=alert.message,
        level=notification.level,
        pass_number=notification.pass_number,
        target_id=notification.target_id,
        alert_created_at=alert.created_at,
        severity=alert.severity,
        source=alert.source,
        details=alert.details,
        links=alert.links,
    )
