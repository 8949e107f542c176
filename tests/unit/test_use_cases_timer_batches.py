"""Firing due timers in batches: each timer once, earliest first, never beyond the limit.

The clock moves by itself here (not `h.advance`, which would let the workers fire them).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from pagerd.service_layer.timers import fire_due_timers
from pagerd.testing.harness import PagingHarness, level


def _three_alerts_with_timers(h: PagingHarness, timeouts: tuple[int, ...]) -> list[UUID]:
    ids = []
    for i, timeout in enumerate(timeouts):
        service = h.create_service(f"svc-{i}")
        h.set_policy(service.id, [level(f"a{i}@example.com", timeout=timeout)])
        ids.append(h.alert(service.id).id)
    return ids


def test_a_batch_fires_due_timers_earliest_first_up_to_its_limit() -> None:
    h = PagingHarness()
    first, second, third = _three_alerts_with_timers(h, (60, 30, 90))
    h.clock.advance(timedelta(seconds=100))
    batch = fire_due_timers(h.uow, h.clock, limit=2)
    assert [f.timer.alert_id for f in batch] == [second, first]
    rest = fire_due_timers(h.uow, h.clock, limit=2)
    assert [f.timer.alert_id for f in rest] == [third]
    assert fire_due_timers(h.uow, h.clock, limit=2) == []


def test_a_batch_leaves_timers_not_yet_due_and_fires_each_timer_once() -> None:
    h = PagingHarness()
    early, late = _three_alerts_with_timers(h, (10, 500))
    h.clock.advance(timedelta(seconds=20))
    batch = fire_due_timers(h.uow, h.clock, limit=10)
    assert [(f.timer.alert_id, f.escalated) for f in batch] == [(early, True)]
    assert fire_due_timers(h.uow, h.clock, limit=10) == []
    h.clock.advance(timedelta(seconds=500))
    assert [f.timer.alert_id for f in fire_due_timers(h.uow, h.clock, limit=10)] == [late]
    exhausted = [e for e in h.timeline(early) if e.type == "exhausted"]
    assert len(exhausted) == 1
