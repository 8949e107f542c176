"""The heartbeat duty: open or join an alert for each heartbeat whose deadline passed."""

from __future__ import annotations

import logging

from pagerd.entrypoints.workers.duty import DutyContext, TransactionalDuty
from pagerd.service_layer.heartbeats import MissedHeartbeat, fire_missed_heartbeats
from pagerd.service_layer.ports import UnitOfWork

log = logging.getLogger("pagerd.worker")

DUE_NOW_RECHECK = 0.01
"""Seconds before looking again when a deadline already passed after a cycle (another
worker's transaction holds it, or it passed after the cycle's claim)."""


class HeartbeatDuty(TransactionalDuty):
    """Acts on passed deadlines, `batch` per transaction (the transaction is the claim).

    Any number of workers may run it on one database: a deadline is claimed locked (or under
    SQLite's single writer) and cleared in the commit that opens its alert, so it acts once;
    a crash mid-cycle rolls back and leaves it due.
    """

    def __init__(self, context: DutyContext) -> None:
        super().__init__()
        self._uow: UnitOfWork = context.uow_factory()
        self._clock = context.clock
        self._batch = context.batch

    def run_cycle(self) -> int:
        """Act on passed deadlines until none is left (or a stop is requested)."""
        fired = 0
        while not self.stopping.is_set():
            batch = fire_missed_heartbeats(self._uow, self._clock, self._batch)
            if not batch:
                break
            fired += len(batch)
            for missed in batch:
                self._report(missed)
        return fired

    def _report(self, missed: MissedHeartbeat) -> None:
        log.warning(
            "heartbeat missed",
            extra={
                "heartbeat_id": str(missed.heartbeat.id),
                "heartbeat": missed.heartbeat.name,
                "alert_id": str(missed.received.alert.id),
                "deduplicated": missed.received.deduplicated,
                "lateness_seconds": missed.lateness.total_seconds(),
            },
        )

    def seconds_until_due(self) -> float | None:
        """Seconds until the earliest deadline passes, None when none is kept."""
        with self._uow:
            deadline = self._uow.heartbeats.next_deadline_at()
        if deadline is None:
            return None
        return max((deadline - self._clock.now()).total_seconds(), DUE_NOW_RECHECK)
