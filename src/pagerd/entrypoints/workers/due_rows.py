"""A duty whose work is rows falling due (a deadline, a window's end): act on them in
batches until none is due, and tell the loop when the earliest next one is.

Each batch is one transaction and the transaction is the claim, so any number of workers
may run the duty on one database: a row is claimed locked (or under SQLite's single writer)
and marked in the commit that acts on it, so it acts once; a crash mid-cycle rolls back
and leaves it due. A subclass says how to act on a batch, how to report each row acted on,
and when the next row falls due.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, TypeVar

from pagerd.entrypoints.workers.duty import DutyContext, TransactionalDuty
from pagerd.service_layer.ports import Clock, UnitOfWork

Done = TypeVar("Done")

DUE_NOW_RECHECK = 0.01
"""Seconds before looking again when a row is already due after a cycle (another worker's
transaction holds it, or it fell due after the cycle's last claim)."""


class DueRowsDuty(TransactionalDuty, ABC, Generic[Done]):
    """Acts on due rows, `batch` per transaction, until none is left (or a stop is
    requested); `seconds_until_due` answers from `next_due_at`."""

    def __init__(self, context: DutyContext) -> None:
        super().__init__()
        self._uow: UnitOfWork = context.uow_factory()  # one thread only: the loop's
        self._clock = context.clock
        self._batch = context.batch

    @abstractmethod
    def act_on_due(self, uow: UnitOfWork, clock: Clock, limit: int) -> Sequence[Done]:
        """Act on up to `limit` due rows in one transaction; return what was done."""

    @abstractmethod
    def report(self, done: Done) -> None:
        """Log one row acted on."""

    @abstractmethod
    def next_due_at(self, uow: UnitOfWork) -> datetime | None:
        """When the earliest row not yet acted on falls due, inside an open unit of work."""

    def run_cycle(self) -> int:
        """Act on due rows until none is left (or a stop is requested); return how many."""
        done = 0
        while not self.stopping.is_set():
            batch = self.act_on_due(self._uow, self._clock, self._batch)
            if not batch:
                break
            done += len(batch)
            for item in batch:
                self.report(item)
        return done

    def seconds_until_due(self) -> float | None:
        """Seconds until the earliest row falls due, None when none is known."""
        with self._uow:
            due_at = self.next_due_at(self._uow)
        if due_at is None:
            return None
        return max((due_at - self._clock.now()).total_seconds(), DUE_NOW_RECHECK)
