"""Group commit on SQLite: the units of work of a burst share one durable commit.

SQLite has a single writer and pagerd's transactions all begin `BEGIN IMMEDIATE`, so they
already run one after another. What limits them is the commit: with `synchronous=FULL` each
one waits for the disk (an fsync, about 2 ms on a virtual disk), and a new alert needs
several. Here the units of work of one process run, one at a time as before, inside a single
SQLite transaction, each in its own savepoint:

- `join` waits for the process's turn (the gate), begins the shared transaction if none is
  open, and opens the unit's savepoint.
- `commit` releases the savepoint and hands the turn on; the unit then *waits until the
  shared transaction is durably committed* before returning. Nobody is told "done" before
  the disk has it: a 2xx still means the alert is on disk.
- `abandon` (leaving without commit) rolls back to the savepoint: only that unit's changes go.
- The shared transaction commits as soon as a unit hands the turn on with nobody waiting for
  it, or when `max_group` units are in it. An idle process holds no lock and no connection.

If the shared commit fails, or SQLite aborts the shared transaction under a unit, every unit
in it fails: a lost race (`ConcurrencyConflict`, so `retry_on_conflict` runs them again) or
`GroupCommitFailed`. None of them had answered yet, so nothing was promised.

A reader sees the writes of earlier units of its group before they are durable; it waits for
that group's commit too before leaving, so nothing not on disk is ever shown.

Urgent units (`join(urgent=True)`: the dispatcher's claims and records, pages already
promised) go first. They take the turn ahead of every ordinary unit waiting, and an urgent
unit ends its group when it hands the turn on, whoever waits: it waits for one commit, not
for a group of up to `max_group` units that a burst of alerts keeps filling. During an alert
storm, without this, the dispatcher's three transactions of a cycle each waited behind a
full group of ingest units, and pages committed seconds earlier waited with them.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from pagerd.adapters.sqlalchemy.engine import connect
from pagerd.adapters.sqlalchemy.errors import conflict_from
from pagerd.service_layer.errors import ConcurrencyConflict

MAX_GROUP = 32
"""Units of work sharing one commit at most: bounds how long the first of them waits."""

_SAVEPOINT = "pagerd_unit"


class GroupCommitFailed(RuntimeError):
    """The shared commit failed for a reason other than a lost race (an I/O error)."""


class _Group:
    """The units of work of one shared transaction, and how it ended."""

    def __init__(self) -> None:
        self.members = 0
        self.done = threading.Event()
        self.error: BaseException | None = None

    def raise_error(self) -> None:
        """Raise, in the calling thread, a fresh exception for the group's failure."""
        if self.error is None:
            return
        if isinstance(self.error, ConcurrencyConflict):
            raise ConcurrencyConflict(str(self.error)) from self.error
        raise GroupCommitFailed(f"the database did not commit: {self.error}") from self.error


class GroupCommitter:
    """The shared SQLite transaction of one engine and the turn of the units using it.

    A unit calls `join` (`urgent` or not), runs its statements on the connection it got,
    then exactly one of `commit` or `abandon`. Between `join` and that call the unit has the
    turn: it must not join again from the same thread (that would wait for itself).
    """

    def __init__(self, engine: Engine, max_group: int = MAX_GROUP) -> None:
        self._engine = engine
        self._max_group = max_group
        # The turn: `_held` under `_lock`; ordinary and urgent waiters wait on their own
        # condition, so that handing the turn on wakes an urgent waiter first.
        self._lock = threading.Lock()
        self._ordinary = threading.Condition(self._lock)
        self._urgent = threading.Condition(self._lock)
        self._held = False
        self._holder_urgent = False
        self._waiting = 0
        self._urgent_waiting = 0
        self._connection: Connection | None = None
        self._group = _Group()

    def join(self, urgent: bool = False) -> Connection:
        """Take the turn and open a savepoint; the connection to run statements on.

        An `urgent` unit takes the turn before any ordinary unit waiting for it, and ends
        its group when it hands the turn on (see the module docstring).
        """
        self._take_turn(urgent)
        try:
            connection = self._shared_connection()
            _savepoint_sql(connection, f"SAVEPOINT {_SAVEPOINT}")
        except DBAPIError as exc:
            self._fail_if_aborted(exc)
            self._pass_turn()
            raise conflict_from(exc) or exc from exc
        except BaseException:
            self._pass_turn()
            raise
        return connection

    def commit(self) -> None:
        """Keep the unit's changes; return once they are durable (or raise, nothing kept)."""
        connection = self._require()
        try:
            _savepoint_sql(connection, f"RELEASE SAVEPOINT {_SAVEPOINT}")
        except DBAPIError as exc:
            self.abandon(raise_failure=False)
            raise conflict_from(exc) or exc from exc
        group = self._group
        group.members += 1
        self._pass_turn()
        group.done.wait()
        group.raise_error()

    def abandon(self, raise_failure: bool = True) -> None:
        """Drop the unit's changes and give the turn back.

        Waits for the group's commit when earlier units' writes were visible to this one,
        and then raises if that commit failed (unless `raise_failure` is false: the caller
        is already failing).
        """
        connection = self._require()
        try:
            _savepoint_sql(connection, f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            _savepoint_sql(connection, f"RELEASE SAVEPOINT {_SAVEPOINT}")
        except DBAPIError as exc:
            self._fail_if_aborted(exc)
        group = self._group
        saw_pending = group.members > 0
        self._pass_turn()
        if saw_pending:
            group.done.wait()
            if raise_failure:
                group.raise_error()

    def rollback_to_savepoint(self) -> None:
        """Drop the unit's changes so far; it keeps the turn and its savepoint."""
        _savepoint_sql(self._require(), f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")

    def _shared_connection(self) -> Connection:
        if self._connection is None:
            connection = connect(self._engine)
            try:
                connection.begin()  # BEGIN IMMEDIATE, behind the engine's writer gate
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _require(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("this unit of work has no turn (join first)")
        return self._connection

    def _take_turn(self, urgent: bool) -> None:
        with self._lock:
            self._waiting += 1
            if urgent:
                self._urgent_waiting += 1
                while self._held:
                    self._urgent.wait()
                self._urgent_waiting -= 1
            else:
                while self._held or self._urgent_waiting:
                    if not self._held:
                        # Woken while an urgent unit waits for the free turn: wake it instead.
                        self._urgent.notify()
                    self._ordinary.wait()
            self._waiting -= 1
            self._held = True
            self._holder_urgent = urgent

    def _pass_turn(self) -> None:
        # Reading the counts unlocked is fine: a thread counted after this read will take the
        # turn later and begin a new shared transaction if this one was committed.
        if self._connection is not None and (
            self._waiting == 0 or self._holder_urgent or self._group.members >= self._max_group
        ):
            self._end_group()
        with self._lock:
            self._held = False
            if self._urgent_waiting:
                self._urgent.notify()
            elif self._waiting:
                self._ordinary.notify()

    def _end_group(self, error: BaseException | None = None) -> None:
        connection, self._connection = self._connection, None
        group, self._group = self._group, _Group()
        assert connection is not None
        try:
            if error is None and group.members:
                connection.commit()
            else:
                connection.rollback()
        except DBAPIError as exc:
            error = conflict_from(exc) or exc
            _quietly_roll_back(connection)
        except BaseException as exc:
            error = exc
            _quietly_roll_back(connection)
        finally:
            connection.close()
            group.error = error
            group.done.set()

    def _fail_if_aborted(self, exc: DBAPIError) -> None:
        """End the group, failed, if SQLite rolled the shared transaction back itself."""
        if self._connection is not None and not _in_transaction(self._connection):
            self._end_group(conflict_from(exc) or exc)


def _savepoint_sql(connection: Connection, sql: str) -> None:
    """Run a savepoint statement on the driver's connection directly.

    Every unit of work runs two or three of them; through SQLAlchemy's execution machinery
    (an execution context, events, a result) they took about a tenth of the process's time
    under load. SQLAlchemy does not track savepoints made this way, nor needs to. Driver
    errors come out as SQLAlchemy's DBAPIError, like those of any other statement.
    """
    driver = connection.connection.dbapi_connection
    assert driver is not None
    try:
        driver.execute(sql)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc


def _in_transaction(connection: Connection) -> bool:
    dbapi = connection.connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", True))


def _quietly_roll_back(connection: Connection) -> None:
    # The connection is closed next; SQLite drops an unfinished transaction then.
    with contextlib.suppress(DBAPIError):
        connection.rollback()


_COMMITTERS: weakref.WeakKeyDictionary[Engine, GroupCommitter] = weakref.WeakKeyDictionary()
_COMMITTERS_LOCK = threading.Lock()


def group_committer_for(engine: Engine) -> GroupCommitter:
    """The one GroupCommitter of a SQLite engine (all its units of work share it)."""
    with _COMMITTERS_LOCK:
        committer = _COMMITTERS.get(engine)
        if committer is None:
            committer = _COMMITTERS[engine] = GroupCommitter(engine)
        return committer
