"""Worker liveness: when a worker process is known dead, so that its claims come back at once.

Each worker process keeps a row (`WorkerPresence`) that it refreshes every heartbeat period
and removes on a clean shutdown. A claim (a leased page) whose owner is known dead need not
wait out its lease. An owner is known dead when:

- its row is gone (it shut down cleanly, or another worker already found it dead), or
- its row was not refreshed for longer than the staleness bound (a few heartbeat periods:
  the process is gone or cut off, wherever it ran), or
- it ran on this very host and its process is no longer running (a restart after a kill
  finds out at once, without waiting for the staleness bound).

A worker never judges itself; a live worker that beats on time is never judged dead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

HEARTBEAT_PERIOD = timedelta(seconds=5)
"""How often a worker refreshes its row."""

STALE_AFTER = 3 * HEARTBEAT_PERIOD
"""A row not refreshed for longer than this is a dead worker's: three missed heartbeats."""


@dataclass(frozen=True)
class WorkerPresence:
    """One worker process's liveness row: who, where (`host`, and `pid` on it), since when,
    and when it was last seen alive (by its own clock)."""

    id: str
    host: str
    pid: int
    started_at: datetime
    last_seen: datetime


class LocalProcesses(Protocol):
    """What a worker knows of its own host: its name, and whether a process still runs."""

    @property
    def host(self) -> str:
        """This host's identity, as written in `WorkerPresence.host`."""
        ...

    def is_running(self, pid: int, worker_id: str) -> bool:
        """Whether worker `worker_id`, said to run as `pid` on this host, may still run
        (True when unsure: only a certain death counts)."""
        ...


def is_known_dead(
    worker: WorkerPresence,
    now: datetime,
    local: LocalProcesses,
    stale_after: timedelta = STALE_AFTER,
) -> bool:
    """Whether `worker` is certainly dead, seen at `now` from a worker on `local`'s host."""
    if now - worker.last_seen > stale_after:
        return True
    return worker.host == local.host and not local.is_running(worker.pid, worker.id)
