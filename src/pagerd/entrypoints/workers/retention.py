"""The retention duty: prune the history of alerts resolved longer ago than the retention.

PAGERD_RETENTION_DAYS (default 365; 0 keeps everything, and the duty does not run). Each
cycle is one bounded transaction (`prune_resolved_history`); after a full batch the loop
pauses briefly and cycles again, so a large backlog drains without holding the database.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from pagerd.config import Settings
from pagerd.entrypoints.workers.duty import DutyContext, TransactionalDuty
from pagerd.service_layer.retention import prune_resolved_history

log = logging.getLogger("pagerd.worker")


def retention_enabled(settings: Settings) -> bool:
    """Whether history is ever pruned (PAGERD_RETENTION_DAYS > 0)."""
    return settings.retention_days > 0


class RetentionDuty(TransactionalDuty):
    """Deletes old history, `batch` rows per transaction; see the module docstring."""

    def __init__(self, context: DutyContext) -> None:
        super().__init__()
        self._uow = context.uow_factory()
        self._clock = context.clock
        self._retention = timedelta(days=context.settings.retention_days)
        self._batch = context.batch
        self._more = False

    def run_cycle(self) -> int:
        """Prune one batch; return how many rows and alerts it settled (0: nothing was due)."""
        self._more = False
        if self.stopping.is_set():
            return 0
        pruned = prune_resolved_history(self._uow, self._clock, self._retention, self._batch)
        self._more = pruned.full
        if pruned.work:
            log.info(
                "pruned resolved alerts' history",
                extra={"rows": pruned.rows, "alerts": pruned.alerts},
            )
        return pruned.work

    def more_due_now(self, done: int) -> bool:
        """After a full batch, more history may be due at once."""
        return self._more

    def seconds_until_due(self) -> float | None:
        """Unknown: history falls due continuously; the duty polls (see its cadence)."""
        return None
