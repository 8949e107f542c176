"""A call's end reported before its placing was recorded.

Twilio can report that a call went unanswered (busy, failed) a few seconds after accepting
it, possibly before the dispatcher has recorded that acceptance: the page is then still
pending, in flight. The status use case leaves a marker for that attempt (`remember_early`),
and `settle_early_calls`, run by the use case that records deliveries, turns the attempt
into the failure it was as soon as the acceptance is recorded. Markers are per attempt
(`<notification id>:<attempt number>`), so a later call of the same page is not affected;
they live in the inbound-message table (kept 30 days, as provider ids are).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.voice_call import CALL_RETRY_DELAY, MAX_CALL_ATTEMPTS
from pagerd.service_layer.ports import UnitOfWork

EARLY_PROVIDER = "twilio-voice-early"
EARLY_ERROR = "the call went unanswered (reported before it was recorded as placed)"


def is_in_flight(page: Notification, now: datetime) -> bool:
    """Whether a pending page may have a call under way: it was due (a page waiting for
    its retry is not), so a dispatcher may have placed its next attempt."""
    return page.is_pending and page.next_attempt_at <= now


def remember_early(uow: UnitOfWork, page: Notification, now: datetime) -> None:
    """Inside the caller's transaction: the attempt in flight went unanswered."""
    uow.inbound_messages.remember(EARLY_PROVIDER, _marker(page.id, page.attempts + 1), now)


def settle_early_calls(
    uow: UnitOfWork, recorded: Sequence[Notification], alerts: Mapping[UUID, Alert], now: datetime
) -> list[Notification]:
    """Inside the caller's transaction, after delivery outcomes were applied: reopen (or
    fail) each voice page just recorded as sent whose attempt was reported unanswered
    already. Returns the pages changed."""
    changed: list[Notification] = []
    for page in recorded:
        if page.channel is not Channel.VOICE or page.status is not NotificationStatus.SENT:
            continue
        alert = alerts.get(page.alert_id)
        if alert is None or alert.status is not AlertStatus.OPEN:
            continue
        if not uow.inbound_messages.seen(EARLY_PROVIDER, _marker(page.id, page.attempts)):
            continue
        if page.call_unanswered(EARLY_ERROR, now, MAX_CALL_ATTEMPTS, CALL_RETRY_DELAY):
            changed.append(page)
    return changed


def _marker(page_id: UUID, attempt: int) -> str:
    return f"{page_id}:{attempt}"
