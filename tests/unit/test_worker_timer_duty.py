"""The timer duty's wait: until the next timer falls due, briefly when one is already due."""

from __future__ import annotations

from datetime import timedelta

import pytest

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


def test_the_duty_logs_an_exhausted_escalation_as_not_escalated(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com", timeout=60), level("b@example.com")])
    h.alert(service.id)

    with caplog.at_level("INFO", logger="pagerd.worker"):
        h.clock.advance(timedelta(seconds=60))
        assert _duty(h).run_cycle() == 1  # level 0 times out: level 1 is paged
        h.clock.advance(timedelta(minutes=15))
        assert _duty(h).run_cycle() == 1  # the last level times out: nobody more to page

    fired = [vars(r) for r in caplog.records if r.getMessage() == "timer fired"]
    assert [(f["level_id"], f["escalated"], f["outcome"]) for f in fired] == [
        (0, True, "escalated"),
        (1, False, "exhausted"),
    ]
