"""The heartbeat duty: open or join an alert for each heartbeat whose deadline passed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from pagerd.entrypoints.workers.due_rows import DueRowsDuty
from pagerd.service_layer.heartbeats import MissedHeartbeat, fire_missed_heartbeats
from pagerd.service_layer.ports import Clock, UnitOfWork

log = logging.getLogger("pagerd.worker")


class HeartbeatDuty(DueRowsDuty[MissedHeartbeat]):
    """Acts on passed deadlines, `batch` per transaction: a deadline is cleared in the
    commit that opens its alert, so it acts once (see DueRowsDuty)."""

    def act_on_due(self, uow: UnitOfWork, clock: Clock, limit: int) -> Sequence[MissedHeartbeat]:
        return fire_missed_heartbeats(uow, clock, limit)

    def report(self, done: MissedHeartbeat) -> None:
        log.warning(
            "heartbeat missed",
            extra={
                "heartbeat_id": str(done.heartbeat.id),
                "heartbeat": done.heartbeat.name,
                "alert_id": str(done.received.alert.id),
                "deduplicated": done.received.deduplicated,
                "lateness_seconds": done.lateness.total_seconds(),
            },
        )

    def next_due_at(self, uow: UnitOfWork) -> datetime | None:
        return uow.heartbeats.next_deadline_at()
