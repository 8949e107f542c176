"""Use case of retention: delete the history of alerts resolved long ago, a batch at a time.

What goes: an alert's pages (notifications), timeline entries and SMS acknowledgement codes,
once the alert has been resolved for longer than the retention. What stays: the alert row
itself (service, message, status, when it opened, who acknowledged it, when it resolved),
so the incident list and its counts keep their history. Resolved is final (a new alert
opens a new incident), so nothing is ever added to a pruned alert's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict


@dataclass(frozen=True)
class Pruned:
    """What one batch did: rows deleted, alerts whose history is now all gone."""

    rows: int
    alerts: int
    full: bool
    """Whether the batch stopped at its bounds: more may be left to prune at once."""

    @property
    def work(self) -> int:
        return self.rows + self.alerts


@retry_on_conflict
def prune_resolved_history(
    uow: UnitOfWork, clock: Clock, retention: timedelta, limit: int
) -> Pruned:
    """Delete at most `limit` history rows of alerts resolved before now - `retention`, in
    one transaction, taking at most `limit` alerts.

    Bounded so that the transaction stays short (it holds SQLite's write lock, or a few row
    locks on PostgreSQL) and never keeps ingest waiting long. An alert whose rows are all
    gone is marked pruned in the same transaction; one with rows left is taken again by the
    next batch.
    """
    if retention <= timedelta(0) or limit < 1:
        raise ValueError("retention and limit must be positive")
    now = clock.now()
    with uow:
        alert_ids = uow.retention.alerts_to_prune(now - retention, limit)
        if not alert_ids:
            return Pruned(0, 0, full=False)
        deleted = uow.retention.delete_history(alert_ids, limit)
        finished = deleted < limit  # every table had fewer rows left than the budget
        if finished:
            uow.retention.mark_pruned(alert_ids, now)
        uow.commit()
    marked = len(alert_ids) if finished else 0
    return Pruned(deleted, marked, full=not finished or len(alert_ids) >= limit)
