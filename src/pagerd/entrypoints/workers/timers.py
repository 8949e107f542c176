"""The timer duty: fire acknowledgement timers as they fall due."""

from __future__ import annotations

import logging

from pagerd.domain.timer import FiredTimer
from pagerd.entrypoints.workers.duty import DutyContext, TransactionalDuty
from pagerd.service_layer.rule_timers import FiredRuleTimer, fire_due_rule_timers
from pagerd.service_layer.timers import fire_due_timers

log = logging.getLogger("pagerd.worker")

DUE_NOW_RECHECK = 0.01
"""Seconds before looking again when the earliest timer is already due after a cycle: it
fell due after the cycle's last claim, or another worker's transaction is firing it (a
timer has no lease: it is held no longer than one transaction). Not the poll interval,
which would make such a timer up to a second late."""


class TimerDuty(TransactionalDuty):
    """Fires due timers, `batch` per transaction (the transaction is the claim): the
    acknowledgement timers of levels, then the timers of users' later notification rules.

    Any number of workers may run this duty on one database: the unit of work hands a due
    timer to one of them only, and a crash mid-fire rolls back and leaves it due. A cycle
    fires until nothing is due, so it never asks for another cycle at once.
    """

    def __init__(self, context: DutyContext) -> None:
        super().__init__()
        self._uow = context.uow_factory()  # used by one thread only, the loop's (or a test's)
        self._clock = context.clock
        self._observer = context.observer
        self._batch = context.batch

    def run_cycle(self) -> int:
        """Fire timers until none is due (or a stop is requested); return how many fired."""
        fired = 0
        while not self.stopping.is_set():
            batch = fire_due_timers(self._uow, self._clock, self._batch)
            rules = fire_due_rule_timers(self._uow, self._clock, self._batch)
            if not batch and not rules:
                break
            fired += len(batch) + len(rules)
            for result in batch:
                self._report(result)
            for rule in rules:
                self._report_rule(rule)
        return fired

    def _report_rule(self, result: FiredRuleTimer) -> None:
        log.info(
            "notification rule fired",
            extra={
                "alert_id": str(result.timer.alert_id),
                "level_id": result.timer.level,
                "pass": result.timer.pass_number,
                "contact_method_id": str(result.timer.contact_method_id),
                "paged": result.paged,
                "lateness_seconds": result.lateness.total_seconds(),
            },
        )

    def _report(self, result: FiredTimer) -> None:
        self._observer.timer_fired(result)
        log.info(
            "timer fired",
            extra={
                "alert_id": str(result.timer.alert_id),
                "level_id": result.timer.level,
                "pass": result.timer.pass_number,
                "escalated": result.escalated,
                "outcome": result.outcome.value,
                "lateness_seconds": result.lateness.total_seconds(),
            },
        )

    def seconds_until_due(self) -> float | None:
        """Seconds until the earliest pending timer falls due, None when there is none;
        DUE_NOW_RECHECK when it is already due."""
        with self._uow:
            due = [self._uow.timers.next_due_at(), self._uow.rule_timers.next_due_at()]
        due_at = min((d for d in due if d is not None), default=None)
        if due_at is None:
            return None
        return max((due_at - self._clock.now()).total_seconds(), DUE_NOW_RECHECK)
