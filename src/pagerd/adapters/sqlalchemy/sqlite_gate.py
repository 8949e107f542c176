"""One writer at a time inside a process, before SQLite's own write lock.

Every SQLite transaction of pagerd begins `BEGIN IMMEDIATE`, so only one holds the write lock
and the others wait in SQLite's busy handler. That handler polls with sleeps that grow to
100 ms: under load the lock is often free while every waiter sleeps, so the process commits a
fraction of what the disk allows, and a few unlucky requests wait seconds. Threads of one
process instead queue on a lock here and are woken the moment the previous transaction ends;
SQLite's lock and busy timeout still serialize this process with any other one (a CLI
command beside `pagerd serve`). Nothing else changes: same transactions, same durability.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_HELD = "pagerd_sqlite_gate_held"


class WriterGate:
    """A process-wide queue in front of `BEGIN IMMEDIATE` for one engine.

    `enter` is called before a transaction begins, `leave` when it commits or rolls back.
    Waiting is bounded by `timeout` seconds; past it the transaction goes on to SQLite
    without the gate, which then answers as it always did (it begins, or it is busy). The
    gate is thus never needed for correctness, only for speed.
    """

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout

    def enter(self, connection: Connection) -> None:
        if self._lock.acquire(timeout=self._timeout):
            connection.info[_HELD] = True

    def leave(self, connection: Connection) -> None:
        self.leave_record(connection.info)

    def leave_record(self, info: dict[Any, Any]) -> None:
        """Leave if the connection whose `info` this is holds the gate."""
        if info.pop(_HELD, False):
            self._lock.release()


def install_gated_begin(
    engine: Engine, timeout: float, begin: Callable[[Connection], None]
) -> WriterGate:
    """Begin every transaction of `engine` with `begin` (BEGIN IMMEDIATE) behind a WriterGate.

    The gate is left when the transaction commits or rolls back, when `begin` itself fails,
    and, as a last resort, when the connection goes back to the pool still holding it.
    """
    gate = WriterGate(timeout)

    def gated_begin(connection: Connection) -> None:
        gate.enter(connection)
        try:
            begin(connection)
        except BaseException:
            gate.leave(connection)
            raise

    def leave(connection: Connection, *_args: Any) -> None:
        gate.leave(connection)

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            gate.leave_record(record.info)

    event.listen(engine, "begin", gated_begin)
    event.listen(engine, "commit", leave)
    event.listen(engine, "rollback", leave)
    event.listen(engine.pool, "checkin", checkin)
    return gate
