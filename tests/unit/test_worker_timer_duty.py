"""The timer duty's wait: until the next timer falls due, briefly when one is already due."""

from __future__ import annotations

from datetime import timedelta

from pagerd.entrypoints.workers.duty import Duty
from pagerd.entrypoints.workers.timers import DUE_NOW_RECHECK
from pagerd.testing.harness import PagingHarness, level


def _duty(h: PagingHarness) -> Duty:
    return h.engine.duty("timers")


def test_the_duty_waits_until_the_next_timer_or_briefly_once_it_is_due() -> None:
    h = PagingHarness()
    duty = _duty(h)
    assert duty.seconds_until_due() is None
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com", timeout=60)])
    h.alert(service.id)
    assert duty.seconds_until_due() == 60
    # Fell due after the cycle's last claim: look again soon, not after the poll interval.
    h.clock.advance(timedelta(seconds=61))
    assert duty.seconds_until_due() == DUE_NOW_RECHECK
    assert duty.run_cycle() == 1
    assert duty.seconds_until_due() is None
