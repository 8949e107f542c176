"""How a worker runs: its identity and its tunables."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta

from pagerd.service_layer.delivery import DEFAULT_LEASE

MAX_POLL_INTERVAL = 1.0
"""Seconds. Without a wake-up, a worker still looks for due work at least this often."""


def new_worker_id() -> str:
    """`hostname-pid-random`: unique per worker, and says where a lease holder runs."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class WorkerOptions:
    """Tunables of a worker; the defaults suit production.

    - `poll_interval`: longest wait between two looks at the queues, in seconds (at most 1).
    - `lease`: how long a claimed page stays ours; another worker re-sends it after that,
      so it must exceed the slowest send (channels time out well before 60 s).
    - `send_threads`: sends running at once, each to a different address, so that one slow
      provider does not hold up the others. 0: each send runs in the dispatch duty's own
      thread, in claim order (the simulation: deterministic, no threads).
    - `error_backoff_initial` / `error_backoff_max`: waits in seconds after a failing cycle
      (database down), doubling from the first to the second.
    """

    poll_interval: float = MAX_POLL_INTERVAL
    lease: timedelta = DEFAULT_LEASE
    send_threads: int = 4
    error_backoff_initial: float = 0.5
    error_backoff_max: float = 5.0

    def __post_init__(self) -> None:
        if not 0 < self.poll_interval <= MAX_POLL_INTERVAL:
            raise ValueError(f"poll_interval must be in (0, {MAX_POLL_INTERVAL}] seconds")
        if self.lease <= timedelta(0):
            raise ValueError("lease must be positive")
        if self.send_threads < 0:
            raise ValueError("send_threads must be 0 or more")
        if not 0 < self.error_backoff_initial <= self.error_backoff_max:
            raise ValueError("error backoff must satisfy 0 < initial <= max")
