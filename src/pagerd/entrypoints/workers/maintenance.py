"""The maintenance duty: act on each maintenance window's end as it comes."""

from __future__ import annotations

import logging

from pagerd.entrypoints.workers.duty import DutyContext, TransactionalDuty
from pagerd.service_layer.maintenance import EndedWindow, end_due_windows
from pagerd.service_layer.ports import UnitOfWork

log = logging.getLogger("pagerd.worker")

DUE_NOW_RECHECK = 0.01
"""Seconds before looking again when an end has already come after a cycle (another
worker's transaction holds it)."""


class MaintenanceDuty(TransactionalDuty):
    """Ends due windows, `batch` per transaction (the transaction is the claim).

    Any number of workers may run it: an end is claimed locked (or under SQLite's single
    writer) and marked in the commit that starts the held incident's paging, so it acts
    once; a crash mid-cycle rolls back and leaves it due.
    """

    def __init__(self, context: DutyContext) -> None:
        super().__init__()
        self._uow: UnitOfWork = context.uow_factory()
        self._clock = context.clock
        self._batch = context.batch

    def run_cycle(self) -> int:
        """End due windows until none is left (or a stop is requested)."""
        done = 0
        while not self.stopping.is_set():
            batch = end_due_windows(self._uow, self._clock, self._batch)
            if not batch:
                break
            done += len(batch)
            for ended in batch:
                self._report(ended)
        return done

    def _report(self, ended: EndedWindow) -> None:
        log.info(
            "maintenance window ended",
            extra={
                "maintenance_window_id": str(ended.window.id),
                "service_id": str(ended.window.monitored_service_id),
                "released_alert_id": str(ended.released.id) if ended.released else None,
            },
        )

    def seconds_until_due(self) -> float | None:
        """Seconds until the earliest end not yet acted on, None when there is none."""
        with self._uow:
            end_at = self._uow.maintenance.next_end_at()
        if end_at is None:
            return None
        return max((end_at - self._clock.now()).total_seconds(), DUE_NOW_RECHECK)
