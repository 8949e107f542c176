"""The liveness duty: keep this worker's row fresh and return dead workers' claims.

It registers the worker (its first beat) before any other duty starts, beats every
`HEARTBEAT_PERIOD`, and removes the row after every other duty has ended (a clean
shutdown), so a claim is only ever taken by a worker with a row (see the engine's
`DutySpec.bookend`). Each beat also returns the claims of workers known dead.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime

from pagerd.adapters.processes import HostProcesses
from pagerd.domain.worker_liveness import HEARTBEAT_PERIOD, WorkerPresence
from pagerd.entrypoints.workers.duty import DutyContext, TransactionalDuty
from pagerd.service_layer.worker_liveness import beat, sign_off

log = logging.getLogger("pagerd.worker")


class LivenessDuty(TransactionalDuty):
    """Beats when a heartbeat period has passed since the last beat (by the clock);
    `run_cycle` returns how many claims the beat returned."""

    def __init__(self, context: DutyContext) -> None:
        super().__init__()
        self._uow = context.uow_factory()  # one thread only: the loop's
        self._clock = context.clock
        self._worker_id = context.worker_id
        self._local = HostProcesses()
        self._me: WorkerPresence | None = None
        self._next_beat: datetime | None = None

    def run_cycle(self) -> int:
        now = self._clock.now()
        if self.stopping.is_set() or (self._next_beat is not None and now < self._next_beat):
            return 0
        me = self._me or WorkerPresence(
            self._worker_id, self._local.host, os.getpid(), started_at=now, last_seen=now
        )
        self._local.registered(me.id)
        done = beat(self._uow, self._clock, me, self._local)
        self._me, self._next_beat = me, now + HEARTBEAT_PERIOD
        for dead in done.dead:
            log.warning(
                "worker found dead; its claims return to the queues",
                extra={"dead_worker_id": dead.id, "last_seen": dead.last_seen.isoformat()},
            )
        if done.returned_claims:
            log.info("returned claims of dead workers", extra={"claims": done.returned_claims})
        return done.returned_claims

    def seconds_until_due(self) -> float | None:
        if self._next_beat is None:
            return 0.0
        return max((self._next_beat - self._clock.now()).total_seconds(), 0.0)

    def finish(self, timeout: float) -> None:
        self.begin_stop()
        if self._me is None:
            return
        try:
            sign_off(self._uow, self._me.id)
        except Exception:
            log.exception("could not remove this worker's liveness row; it will go stale")
        self._local.signed_off(self._me.id)
        self._me = None
