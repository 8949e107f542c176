"""Recording how delivery went on outbox rows that are not pages (test messages, message
edits): one rule for both, since their attempt state is the same."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from pagerd.domain.notification import DeliveryAttempts
from pagerd.service_layer.paging import DeliveryOutcome, DeliveryResult, OutgoingPage

R = TypeVar("R", bound=DeliveryAttempts)


def apply_outcomes(
    stored: Mapping[UUID, R],
    outcomes: Sequence[tuple[OutgoingPage, DeliveryResult]],
    now: datetime,
    jitter: Callable[[], float],
) -> list[R]:
    """Each result applied to the stored row its page was sent for (by idempotency key):
    delivered, or failed (permanently or to retry, never sooner than a Retry-After). A row
    gone or no longer pending is left alone. Returns the rows changed, to be stored."""
    rows = dict(stored)
    recorded: list[R] = []
    for page, result in outcomes:
        row = rows.pop(page.idempotency_key, None)
        if row is None or not row.is_pending:
            continue
        if result.outcome is DeliveryOutcome.DELIVERED:
            row.delivered(now)
        else:
            permanent = result.outcome is DeliveryOutcome.PERMANENT_FAILURE
            error = result.error or "unknown error"
            row.failed(error, now, jitter(), permanent, result.retry_after)
        recorded.append(row)
    return recorded
