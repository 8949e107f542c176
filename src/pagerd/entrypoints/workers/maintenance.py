"""The maintenance duty: act on each maintenance window's end as it comes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from pagerd.entrypoints.workers.due_rows import DueRowsDuty
from pagerd.service_layer.maintenance import EndedWindow, end_due_windows
from pagerd.service_layer.ports import Clock, UnitOfWork

log = logging.getLogger("pagerd.worker")


class MaintenanceDuty(DueRowsDuty[EndedWindow]):
    """Ends due windows, `batch` per transaction: an end is marked in the commit that
    starts the held incident's paging, so it acts once (see DueRowsDuty)."""

    def act_on_due(self, uow: UnitOfWork, clock: Clock, limit: int) -> Sequence[EndedWindow]:
        return end_due_windows(uow, clock, limit)

    def report(self, done: EndedWindow) -> None:
        log.info(
            "maintenance window ended",
            extra={
                "maintenance_window_id": str(done.window.id),
                "service_id": str(done.window.monitored_service_id),
                "released_alert_id": str(done.released.id) if done.released else None,
            },
        )

    def next_due_at(self, uow: UnitOfWork) -> datetime | None:
        return uow.maintenance.next_end_at()
