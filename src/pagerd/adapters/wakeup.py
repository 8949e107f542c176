"""Wake-ups: a commit that wrote due work wakes the worker loops at once.

`ThreadWakeup` works inside one process: the unit of work rings it after such a commit. It
also carries the process's page handoff (`adapters/handoff.py`), where a dispatcher of the
process registers to take new pages in memory.
`PostgresWakeupListener` carries the ring across processes: on PostgreSQL every such commit
also sends `NOTIFY` on the work channel, and the listener rings the local wakeup. On SQLite,
`pagerd serve` rings its own worker process through a pipe (`process_wakeup`).

A wake-up only cuts latency. Workers poll at least once a second anyway, so a lost ring
(a listener reconnecting, a notification sent while nobody listened) delays a page by at most
the poll interval and never loses it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pagerd.adapters.handoff import LocalPageHandoff
from pagerd.service_layer.ports import WorkSignal

log = logging.getLogger("pagerd.wakeup")


class ThreadWakeup:
    """Implements the WorkSignal port with a threading.Event; thread-safe.

    Several loops may wait on one process's wakeup: each takes a `subscribe()`d wakeup of its
    own, rung together with this one, so that one loop clearing its ring never hides the ring
    from another.
    """

    def __init__(self, handoff: LocalPageHandoff | None = None) -> None:
        """`handoff`: the process's page handoff, shared with subscribers (a new one by
        default): the units of work ringing this wakeup hand new pages to the dispatcher
        registered there."""
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._subscribers: list[WorkSignal] = []
        self.handoff = handoff or LocalPageHandoff()

    def notify(self) -> None:
        """Ring: wake whoever waits here and on every subscribed wakeup."""
        self._event.set()
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.notify()

    def wait(self, timeout: float | None) -> bool:
        """Block until rung or `timeout` seconds passed; True when rung.

        A ring stays until `clear()`: a loop clears before its cycle, so a ring that arrives
        during the cycle makes the next wait return at once.
        """
        return self._event.wait(timeout)

    def clear(self) -> None:
        """Forget past rings."""
        self._event.clear()

    def is_set(self) -> bool:
        """Whether a ring is waiting to be noticed."""
        return self._event.is_set()

    def subscribe(self) -> ThreadWakeup:
        """A new wakeup rung whenever this one is (not the other way round)."""
        subscriber = ThreadWakeup(self.handoff)
        with self._lock:
            self._subscribers.append(subscriber)
        return subscriber

    def forward_to(self, signal: WorkSignal) -> None:
        """Ring `signal` too whenever this wakeup is rung (a ring for another process)."""
        with self._lock:
            self._subscribers.append(signal)

    def unsubscribe(self, subscriber: WorkSignal) -> None:
        """Stop ringing `subscriber` (a loop that ended, a forward no longer wanted)."""
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)


_POSTGRES_BACKENDS = ("postgresql", "postgres")


def is_postgres_url(database_url: str) -> bool:
    """Whether `database_url` names a PostgreSQL database (where LISTEN/NOTIFY exists)."""
    try:
        return make_url(database_url.strip()).get_backend_name() in _POSTGRES_BACKENDS
    except ArgumentError:
        return False


def libpq_url(database_url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL (`postgresql+psycopg://` loses `+psycopg`)."""
    if not is_postgres_url(database_url):
        raise ValueError("not a PostgreSQL URL")
    url = make_url(database_url.strip())
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresWakeupListener:
    """A daemon thread that LISTENs on the work channel and rings `wakeup` on each NOTIFY.

    It reconnects with backoff (`backoff_initial` doubling to `backoff_max` seconds) when the
    database goes away, and rings once after every (re)connection, because notifications sent
    while it was away are lost. `stop()` ends it within about `check_interval` seconds.
    """

    def __init__(
        self,
        url: str,
        wakeup: WorkSignal,
        channel: str | None = None,
        *,
        backoff_initial: float = 0.5,
        backoff_max: float = 10.0,
        check_interval: float = 0.5,
        connect_timeout: int = 5,
        own_sender: str | None = None,
    ) -> None:
        """`own_sender`: the NOTIFY payload to ignore, by default this process's own (its
        commits ring its workers directly)."""
        self._dsn = libpq_url(url)
        self._own_sender = own_sender or _own_notify_sender()
        self._wakeup = wakeup
        self._channel = channel or _work_channel()
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._check_interval = check_interval
        self._connect_timeout = connect_timeout
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self.connections = 0  # how many times LISTEN succeeded; for tests and diagnostics

    def start(self) -> None:
        """Start listening in the background; returns at once."""
        if self._thread is not None:
            raise RuntimeError("the listener was already started")
        self._thread = threading.Thread(
            target=self._run, name="pagerd-wakeup-listener", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop listening; True when the thread ended within `timeout` seconds."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def wait_listening(self, timeout: float) -> bool:
        """Block until LISTEN is in effect (or `timeout`); True when it is."""
        return self._listening.wait(timeout)

    @property
    def listening(self) -> bool:
        """Whether a connection currently LISTENs."""
        return self._listening.is_set()

    def _run(self) -> None:
        delay = self._backoff_initial
        while not self._stop.is_set():
            try:
                self._listen()
                delay = self._backoff_initial  # a clean return means we were stopped
            except Exception as exc:  # never let the thread die: wake-ups would stop for good
                log.warning(
                    "wake-up listener lost its database connection; reconnecting",
                    extra={"error": str(exc), "retry_in_seconds": delay},
                )
            finally:
                self._listening.clear()
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self._backoff_max)

    def _listen(self) -> None:
        # Imported here: a SQLite pagerd never needs psycopg, whose import is a tenth of a
        # second of `pagerd serve`'s start-up.
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            self._dsn,
            autocommit=True,
            connect_timeout=self._connect_timeout,
            # Keepalives notice a database that vanished without closing the connection.
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
        ) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self.connections += 1
            self._listening.set()
            self._wakeup.notify()  # whatever was sent while we were away
            while not self._stop.is_set():
                for notice in conn.notifies(timeout=self._check_interval):
                    if notice.payload != self._own_sender:
                        self._wakeup.notify()


def _own_notify_sender() -> str:
    # Imported late, as `_work_channel`.
    from pagerd.adapters.sqlalchemy.unit_of_work import NOTIFY_SENDER

    return NOTIFY_SENDER


def _work_channel() -> str:
    # Imported late: the constant belongs to the SQL adapter, which is heavier to import.
    from pagerd.adapters.sqlalchemy import WORK_CHANNEL

    return WORK_CHANNEL
