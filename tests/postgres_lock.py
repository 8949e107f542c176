"""Tests share one PostgreSQL server, across pytest-xdist workers and concurrent runs, and
a few of them restart it: a readers-writer lock between processes keeps those apart.

A test on PostgreSQL holds the lock shared for its length; a test marked
`restarts_postgres` holds it exclusively, so no other test sees the server go away under
it. Each test still has a database of its own (tests/conftest.py): sharing the server is
safe, restarting it is not.

The lock is two `flock(2)` files next to each other in the temporary directory, named after
the server's address. A writer first takes the gate, then the lock exclusively; a reader
passes the gate (takes and releases it) before taking the lock shared. So a restart waiting
for its turn stops new tests from starting on the server: it waits only for the tests
already running, never for a stream of newcomers. The kernel drops the locks of a process
that dies, so a killed worker leaves nothing held.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

RESTARTS_POSTGRES = "restarts_postgres"
"""The marker of tests that restart the PostgreSQL server."""


def lock_paths(url: str) -> tuple[Path, Path]:
    """The gate and the lock files of the server `url` points at (any database on it)."""
    address = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1)).netloc
    name = hashlib.sha256(address.encode()).hexdigest()[:16]
    directory = Path(tempfile.gettempdir())
    return (
        directory / f"pagerd-tests-postgres-{name}.gate",
        directory / f"pagerd-tests-postgres-{name}.lock",
    )


@contextmanager
def postgres_server_held(url: str, *, exclusive: bool) -> Iterator[None]:
    """Hold the server of `url`: shared to use it, exclusive to restart it. Blocks until
    granted. A process holds it once at a time: a second hold, behind a restart waiting at
    the gate, would wait for the first forever."""
    gate_path, lock_path = lock_paths(url)
    with gate_path.open("a") as gate, lock_path.open("a") as lock:
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        finally:
            if not exclusive:
                fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if exclusive:
                fcntl.flock(gate, fcntl.LOCK_UN)
