"""Recording how delivery went on outbox rows that are not pages (test messages, message
edits), and dropping their leases: one rule for both, since their attempt state and their
repositories' lease operations are the same."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from pagerd.domain.notification import DeliveryAttempts
from pagerd.service_layer.paging import DeliveryOutcome, DeliveryResult, OutgoingPage

R = TypeVar("R", bound=DeliveryAttempts)


class LeasedRows(Protocol[R]):
    """What the two repositories share: rows read by id, stored back, released by holder."""

    def get_many(self, ids: Collection[UUID], /) -> Mapping[UUID, R]: ...
    def update_many(self, rows: Sequence[R], /) -> None: ...
    def release(self, row_id: UUID, worker_id: str, /) -> None: ...


def record_outcomes(
    rows: LeasedRows[R],
    outcomes: Sequence[tuple[OutgoingPage, DeliveryResult]],
    now: datetime,
    jitter: Callable[[], float],
) -> None:
    """Inside the caller's transaction: store each page's outcome on its row, dropping its
    lease."""
    stored = rows.get_many([page.idempotency_key for page, _ in outcomes])
    rows.update_many(apply_outcomes(stored, outcomes, now, jitter))


def release_leases(rows: LeasedRows[R], worker_id: str, pages: Iterable[OutgoingPage]) -> int:
    """Inside the caller's transaction: drop `worker_id`'s leases on the pages' unsent rows.
    Returns how many pages were released."""
    released = 0
    for page in pages:
        rows.release(page.idempotency_key, worker_id)
        released += 1
    return released


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
