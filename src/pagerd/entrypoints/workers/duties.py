"""The engine's duties, all in one place.

Each entry names a duty, says how its loop paces cycles, what wakes it and its batch, and
how to build it. `pagerd serve`, `pagerd worker` and the simulation run exactly this list.
A new duty is a new module (a class implementing `Duty`) plus one entry here.
"""

from __future__ import annotations

from pagerd.entrypoints.workers.dispatch import Dispatcher
from pagerd.entrypoints.workers.duty import Cadence, DutySpec, WakeOn
from pagerd.entrypoints.workers.heartbeats import HeartbeatDuty
from pagerd.entrypoints.workers.liveness import LivenessDuty
from pagerd.entrypoints.workers.maintenance import MaintenanceDuty
from pagerd.entrypoints.workers.retention import RetentionDuty, retention_enabled
from pagerd.entrypoints.workers.timers import TimerDuty

TIMER_RING_SETTLE_SECONDS = 0.05
"""How long the timer loop lets rings settle before looking at the timers again."""

RETENTION_POLL_SECONDS = 60.0
"""How often the retention duty looks for history past its retention, when it found none."""

RETENTION_PAUSE_SECONDS = 0.05
"""Pause between two retention batches, so that other writers (ingest) take their turn."""


DUTIES: tuple[DutySpec, ...] = (
    # Keeps this worker's liveness row fresh and returns the claims of workers known dead
    # (row gone, stale, or a dead pid on this host). A bookend: registered before the first
    # claim of any duty, signed off after the last. It beats every few seconds (its due time).
    DutySpec(name="liveness", build=LivenessDuty, batch=1, wakes_on=WakeOn.NOTHING, bookend=True),
    # Fires due acknowledgement timers, 25 per transaction: one commit (one fsync) for the
    # batch, while holding the write lock (SQLite) or the alerts' row locks only briefly. A
    # ring never means a timer is due now (an armed timer is due a second later at the
    # earliest), so the loop lets a burst of rings settle instead of taking the database's
    # turn from the dispatcher at the moment a new alert's pages are waiting.
    DutySpec(
        name="timers",
        build=TimerDuty,
        batch=25,
        wakes_on=WakeOn.COMMITTED_WORK,
        cadence=Cadence(settle_after_ring=TIMER_RING_SETTLE_SECONDS),
    ),
    # Claims up to 20 due notifications per cycle, sends them on the pool, records outcomes.
    # Cycles again at once after a full claim; otherwise the queue was drained.
    DutySpec(name="dispatch", build=Dispatcher, batch=20, wakes_on=WakeOn.COMMITTED_WORK),
    # Opens or joins an alert for each heartbeat whose deadline passed, 25 per transaction.
    # A new deadline is never due at once (at least a minute ahead), so the loop polls
    # (at most a second late) and needs no ring: pings and new heartbeats commit no work.
    DutySpec(name="heartbeats", build=HeartbeatDuty, batch=25, wakes_on=WakeOn.NOTHING),
    # Acts on maintenance windows' ends, 25 per transaction: a held incident still open
    # pages level 0. Planned ends are known ahead; the loop polls (at most a second late).
    DutySpec(name="maintenance", build=MaintenanceDuty, batch=25, wakes_on=WakeOn.NOTHING),
    # Deletes the pages, timeline entries and ack codes of alerts resolved longer ago than
    # PAGERD_RETENTION_DAYS, at most 500 rows per transaction. Never urgent: it polls.
    DutySpec(
        name="retention",
        build=RetentionDuty,
        batch=500,
        wakes_on=WakeOn.NOTHING,
        cadence=Cadence(idle_poll=RETENTION_POLL_SECONDS, after_more_due=RETENTION_PAUSE_SECONDS),
        enabled=retention_enabled,
    ),
)
