"""The dispatch duty: claim due pages, send them on a small thread pool, record outcomes.

Claiming and recording happen on the duty's own thread, each in its own transaction
(`claim_due_pages`, `record_deliveries`); only the sends run on the pool, one page (one address)
per task, so a slow provider holds one pool thread and never the others. A send that
finished is recorded on the next cycle; the pool rings the loop's wakeup so that cycle comes
at once.

Pages created by this process come faster: the unit of work that creates a page leases it
to this dispatcher in the same transaction and, once committed, hands it over in memory
(`service_layer/handoff.py`): the next cycle starts its send with no claim at all. The
dispatcher registers for that on the process's handoff at its first cycle and unregisters
when it stops; pages handed but not started by then are released like claimed ones.

Crash safety comes from the lease: a page claimed by a worker that dies is claimed again by
another once the lease expires and re-sent with the same idempotency key. A page that waited
in the pool until too little of its lease was left is not sent by us, so two workers do not
send it at the same time.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pagerd.adapters.handoff import handoff_of
from pagerd.entrypoints.workers.duty import DutyContext
from pagerd.service_layer.delivery import (
    claim_due_pages,
    handed_pages,
    record_deliveries,
    release_pages,
)
from pagerd.service_layer.paging import DeliveryResult, HandedPage, OutgoingPage

log = logging.getLogger("pagerd.worker")

T = TypeVar("T")

HANDOFF_BACKLOG = 200
"""Pages handed over or in flight beyond which new pages are left to a claim: a dispatcher
that falls behind does not gather a queue of its own that another process could not help
with."""


@dataclass
class _Send:
    """One claimed page on its way: `result` stays None when it was not sent."""

    page: OutgoingPage
    lease_until: datetime
    result: DeliveryResult | None = None
    seconds: float = 0.0


class _InlineExecutor(Executor):
    """Runs each task at once, in the submitting thread (`send_threads=0`)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


class Dispatcher:
    """The duty of dispatching pages (see the module docstring): claims `batch`
    notifications per cycle.

    `run_cycle`, `finish` and `wait_for_in_flight` are called from one thread (the loop's,
    or a test's); only `_send` runs on the pool, which rings the duty's wakeup when a send
    finishes.
    """

    def __init__(self, context: DutyContext) -> None:
        self._uow = context.uow_factory()
        # Pages first: the claims and records of committed pages go ahead of waiting alerts.
        self._uow.urgent = True
        self._clock = context.clock
        self._senders = context.senders
        self._observer = context.observer
        self._worker_id = context.worker_id
        self._options = context.options
        self._batch = context.batch
        self._on_send_done = context.wakeup.notify
        self._links = context.links
        self._jitter = context.jitter or random.Random().random  # noqa: S311 -- retry spread
        self._stopping = threading.Event()
        threads = self._options.send_threads
        self._pool: Executor = (
            ThreadPoolExecutor(threads, thread_name_prefix="pagerd-send")
            if threads
            else _InlineExecutor()
        )
        self._most_in_flight = max(threads, 1)
        self._in_flight: dict[Future[_Send], _Send] = {}
        self._finished: list[_Send] = []
        self._claimed_full_batch = False
        self._handoff = handoff_of(context.wakeup)
        self._registered = False
        self._handed: deque[HandedPage] = deque()  # appended by committing threads
        self._behind = threading.Event()  # set by committing threads, cleared by the loop
        self.handoff_backlog = HANDOFF_BACKLOG

    # HandoffReceiver: pages committed by this process, leased to this worker.

    @property
    def worker_id(self) -> str:
        return self._worker_id

    @property
    def lease(self) -> timedelta:
        return self._options.lease

    def accepting(self) -> bool:
        """Not stopping, and not behind: once HANDOFF_BACKLOG pages are waiting or in flight,
        new pages are left to claims until a claim finds fewer due than a batch, so that
        pages are still sent in the order they were committed (a handed page never
        overtakes one that waits in the database)."""
        if self._stopping.is_set() or self._behind.is_set():
            return False
        if len(self._handed) + len(self._in_flight) >= self.handoff_backlog:
            self._behind.set()
            return False
        return True

    def take(self, pages: Sequence[HandedPage]) -> None:
        """Queue pages handed over after their commit; the loop starts them next cycle."""
        self._handed.extend(pages)
        self._on_send_done()

    def more_due_now(self, done: int) -> bool:
        """Whether the last claim took a full batch: more pages may be due at once.

        Otherwise the queue was drained, and the next cycle can wait for a ring (a new page
        committed, a send finished) or the next due time.
        """
        return self._claimed_full_batch

    @property
    def in_flight(self) -> int:
        """Pages handed to the pool and not yet recorded."""
        return len(self._in_flight) + len(self._finished)

    def run_cycle(self) -> int:
        """Record finished sends, then claim and start new ones unless stopping or busy.

        Returns how many pages were recorded or started (0: nothing happened).
        """
        if not self._registered and self._handoff is not None and not self._stopping.is_set():
            self._registered = self._handoff.register(self)
        done = self._record_finished()
        self._claimed_full_batch = False
        if self._stopping.is_set():
            return done
        done += self._start_handed()
        # Behind, claims take the place of the handoff: they may queue as many sends as it
        # would have (otherwise the pages left to them wait for the storm to end).
        most = self.handoff_backlog if self._behind.is_set() else self._most_in_flight
        if len(self._in_flight) >= most:
            return done
        return done + self._claim_and_start()

    def seconds_until_due(self) -> float | None:
        """Seconds until the earliest pending page (or test message, or message edit) falls
        due, None when there is none."""
        with self._uow:
            due = [
                self._uow.outbox.next_attempt_at(),
                self._uow.test_messages.next_attempt_at(),
                self._uow.message_updates.next_attempt_at(),
            ]
        due_at = min((d for d in due if d is not None), default=None)
        if due_at is None:
            return None
        return (due_at - self._clock.now()).total_seconds()

    def wait_for_in_flight(self, timeout: float) -> bool:
        """Block until every started send finished (recorded or not); True when they did."""
        _, running = wait_futures(list(self._in_flight), timeout)
        return not running

    def begin_stop(self) -> None:
        """Stop claiming and taking handed pages, and stop starting sends that have not
        started; returns at once."""
        self._stopping.set()
        if self._registered and self._handoff is not None:
            self._handoff.unregister(self)

    def finish(self, timeout: float) -> None:
        """Graceful end: let running sends finish (up to `timeout` seconds) and record them;
        release the pages claimed but not sent; shut the pool down.

        A send still running after `timeout` keeps its lease, which expires: the page is then
        sent again by another worker, with the same idempotency key.
        """
        self.begin_stop()
        for future in self._in_flight:
            future.cancel()  # only succeeds for sends that have not started
        self.wait_for_in_flight(timeout)
        try:
            self._record_finished()
            self._release_handed()
        except Exception:
            log.exception("could not record the last sends; their leases will expire")
        if self._in_flight:
            log.warning(
                "sends still running at shutdown; their leases will expire",
                extra={"pages": len(self._in_flight)},
            )
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _start_handed(self) -> int:
        """Start the sends of the pages handed over since the last cycle."""
        handed = self._drain_handed()
        if not handed:
            return 0
        for page, lease_until in handed_pages(handed, self._links, self._clock.now()):
            self._start(_Send(page, lease_until))
        return len(handed)

    def _drain_handed(self) -> list[HandedPage]:
        handed: list[HandedPage] = []
        while self._handed:
            handed.append(self._handed.popleft())
        return handed

    def _release_handed(self) -> None:
        # Handed while stopping, never started: leased to us, so give them back at once.
        handed = self._drain_handed()
        if handed:
            pages = [page for page, _ in handed_pages(handed, None, self._clock.now())]
            release_pages(self._uow, self._worker_id, pages)

    def _start(self, send: _Send) -> None:
        future = self._pool.submit(self._send, send)
        self._in_flight[future] = send
        future.add_done_callback(lambda _: self._on_send_done())

    def _claim_and_start(self) -> int:
        claimed_at = self._clock.now()
        claim = claim_due_pages(
            self._uow,
            self._clock,
            self._worker_id,
            limit=self._batch,
            lease=self._options.lease,
            links=self._links,
        )
        pages = claim.pages
        self._claimed_full_batch = claim.notifications >= self._batch
        if not self._claimed_full_batch:
            self._behind.clear()  # the database is drained: hand pages over again
        # Computed from a time read before the claim: never later than the stored lease.
        lease_until = claimed_at + self._options.lease
        for page in pages:
            self._start(_Send(page, lease_until))
        return len(pages)

    def _record_finished(self) -> int:
        for future in [f for f in self._in_flight if f.done()]:
            self._finished.append(self._in_flight.pop(future))
        if not self._finished:
            return 0
        # Every finished send of the cycle is recorded in one transaction. Dropped only once
        # stored: if the database is down, the outcomes wait here for the next cycle.
        batch = list(self._finished)
        try:
            self._record(batch)
        except Exception:
            now = self._clock.now()
            if any(now < send.lease_until for send in batch):
                raise
            # Past their leases the pages may be another worker's already; holding on would
            # block every later record. They are sent again, with the same idempotency keys.
            log.exception(
                "dropping outcomes that could not be recorded within their leases",
                extra={"idempotency_keys": [str(s.page.idempotency_key) for s in batch]},
            )
        del self._finished[: len(batch)]
        return len(batch)

    def _record(self, batch: list[_Send]) -> None:
        unsent = [send.page for send in batch if send.result is None]
        if unsent:
            release_pages(self._uow, self._worker_id, unsent)
        outcomes = [(send.page, send.result) for send in batch if send.result is not None]
        if outcomes:
            record_deliveries(self._uow, self._clock, outcomes, self._jitter, self._worker_id)

    def _send(self, send: _Send) -> _Send:
        """Runs on the pool. Never raises: a crashing sender is a transient failure."""
        if self._stopping.is_set() or not self._lease_left(send):
            return send
        page = send.page
        sender = self._senders.get(page.channel)
        started = time.monotonic()
        try:
            if sender is None:
                result = DeliveryResult.permanent(f"no sender is configured for {page.channel}")
            else:
                result = sender.send(page)
        except Exception as exc:
            log.exception("a sender raised instead of answering", extra={"channel": page.channel})
            result = DeliveryResult.transient(f"sender error: {type(exc).__name__}: {exc}")
        send.seconds = time.monotonic() - started
        send.result = result
        self._observer.page_attempted(page, result, send.seconds)
        return send

    def _lease_left(self, send: _Send) -> bool:
        # Start a send only while at least half the lease remains, so it ends before the
        # lease does and no other worker sends the same page at the same time.
        return self._clock.now() < send.lease_until - self._options.lease / 2
