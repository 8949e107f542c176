"""Log lines formatted and written on a thread of their own, not on the thread that logs.

The HTTP server's event loop logs a line per request (the access log); formatting it as
JSON and writing it to stderr there took 5 to 6% of the process's time, all of it on the
one thread that serves every connection. `BackgroundHandler` takes a record in a few
microseconds (a queue put) and a writer thread formats and writes it with the handler it
wraps, in the order records were taken: the lines are the same, only written later.

Contracts:

- a record's message is fixed when it is logged (its `%` arguments are applied then), so
  arguments changed afterwards do not change the line;
- `flush()` returns once every record taken before it has been written (or after
  `FLUSH_TIMEOUT`, so a stuck stream never hangs the caller);
- `close()` writes every record taken, then stops the thread. `logging.shutdown`, which
  Python runs at exit (a normal exit, an unhandled exception, SystemExit from a signal
  handler), flushes and closes every handler: a crash that lets Python exit loses no line.
  A process killed outright (SIGKILL) loses the lines not yet written, at most the queue;
- the queue is bounded: when the writer falls behind by `MAX_QUEUED` records (stderr
  blocked), logging waits for it, as a synchronous handler would, instead of growing
  without limit;
- taking a record wakes no thread: the writer writes what was taken every
  `WRITE_INTERVAL` (a line reaches stderr at most that late), at once for a flush or a
  stop. A queue that woke the writer at every record handed it the GIL twice per request.
"""

from __future__ import annotations

import logging
import logging.handlers
import threading
import time
from collections import deque

MAX_QUEUED = 10_000
FLUSH_TIMEOUT = 5.0
THREAD_NAME = "pagerd-log-writer"
WRITE_INTERVAL = 0.05
FULL_WAIT = 0.001


class _Barrier:
    """Put in the queue by `flush`: set once the writer reaches it."""

    def __init__(self) -> None:
        self.reached = threading.Event()


_Item = "logging.LogRecord | _Barrier | None"


class _Records:
    """The records taken and not yet written, in order. Taking one wakes no thread: the
    writer wakes every WRITE_INTERVAL, or at once for a flush, a stop or a full queue (a
    wake-up per record would hand the GIL to the writer at every log line)."""

    def __init__(self, maxsize: int) -> None:
        self._items: deque[logging.LogRecord | _Barrier | None] = deque()
        self._maxsize = maxsize
        self._ready = threading.Event()

    def put(self, item: logging.LogRecord | _Barrier | None, urgent: bool = False) -> None:
        """Add `item`; wait while the queue is full (the writer is behind)."""
        while len(self._items) >= self._maxsize:
            self._ready.set()
            time.sleep(FULL_WAIT)
        self._items.append(item)
        if urgent:
            self._ready.set()

    def put_nowait(self, item: logging.LogRecord | _Barrier | None) -> None:
        self.put(item, urgent=True)

    def get(self, block: bool = True) -> logging.LogRecord | _Barrier | None:
        """The oldest item, waiting for one (the listener's `dequeue`)."""
        while True:
            try:
                return self._items.popleft()
            except IndexError:
                pass
            # An item added (and the event set) after the pop above is seen at the next
            # pop: the event is cleared before it, never after.
            self._ready.wait(WRITE_INTERVAL)
            self._ready.clear()


class _Writer(logging.handlers.QueueListener):
    """The writer thread: hands each record to the target handler; sets barriers."""

    def __init__(self, records: _Records, target: logging.Handler) -> None:
        super().__init__(records, target)
        self._records = records

    def start(self) -> None:
        """Start the writer thread (a daemon, named for profiles and thread dumps)."""
        super().start()
        if self._thread is not None:
            self._thread.name = THREAD_NAME

    def handle(self, record: logging.LogRecord | _Barrier) -> None:
        if isinstance(record, _Barrier):
            record.reached.set()
            return
        for handler in self.handlers:
            handler.handle(record)

    def enqueue_sentinel(self) -> None:
        # Blocking: the base class's put_nowait raises when the queue is full.
        self._records.put(None, urgent=True)  # the base class's sentinel

    def is_writer_thread(self) -> bool:
        """Whether the caller is the writer thread itself."""
        return threading.current_thread() is self._thread

    @property
    def running(self) -> bool:
        """Whether the writer thread is alive (started, not stopped, not lost to a fork)."""
        thread = self._thread
        return thread is not None and thread.is_alive()


class BackgroundHandler(logging.handlers.QueueHandler):
    """Passes records to `target` on a writer thread started here (see the module)."""

    def __init__(self, target: logging.Handler) -> None:
        records = _Records(MAX_QUEUED)
        super().__init__(records)
        self._records = records
        self.target = target
        self._writer = _Writer(records, target)
        self._writer.start()
        self._closing = threading.Lock()

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """The record itself (the target formats it), its message fixed now."""
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        # Blocking when full (the base class's put_nowait would drop the record).
        self._records.put(record)

    def flush(self) -> None:
        """Return once every record taken so far is written (at most FLUSH_TIMEOUT)."""
        if not self._writer.running or self._writer.is_writer_thread():
            self.target.flush()
            return
        barrier = _Barrier()
        self._records.put(barrier, urgent=True)
        barrier.reached.wait(FLUSH_TIMEOUT)
        self.target.flush()

    def close(self) -> None:
        """Write every record taken, stop the writer thread, close the target."""
        with self._closing:
            if self._writer.running:
                self._writer.stop()
        self.target.flush()
        self.target.close()
        super().close()
