"""Firing due timers in batches: each timer once, earliest first, never beyond the limit.

The clock moves by itself here (not `h.advance`, which would let the workers fire them).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from pagerd.domain.alert import TimeoutOutcome
from pagerd.domain.timer import AckTimer
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
    assert [(f.timer.alert_id, f.outcome) for f in batch] == [(early, TimeoutOutcome.EXHAUSTED)]
    assert fire_due_timers(h.uow, h.clock, limit=10) == []
    h.clock.advance(timedelta(seconds=500))
    assert [f.timer.alert_id for f in fire_due_timers(h.uow, h.clock, limit=10)] == [late]
    exhausted = [e for e in h.timeline(early) if e.type == "exhausted"]
    assert len(exhausted) == 1


class _EachTimerTwice:
    """A unit of work whose timer queue hands every claimed timer out twice in one batch."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __enter__(self) -> _EachTimerTwice:
        self._inner.__enter__()
        self.timers = _Doubling(self._inner.timers)
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Doubling:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def claim_due(self, now: Any, limit: int) -> list[AckTimer]:
        return [t for timer in self._inner.claim_due(now, limit) for t in (timer, timer)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_timer_handed_out_twice_in_one_batch_fires_once() -> None:
    h = PagingHarness()
    (only,) = _three_alerts_with_timers(h, (10,))
    h.clock.advance(timedelta(seconds=20))
    batch = fire_due_timers(_EachTimerTwice(h.uow), h.clock, limit=10)  # type: ignore[arg-type]
    assert [(f.timer.alert_id, f.outcome) for f in batch] == [
        (only, TimeoutOutcome.EXHAUSTED),
        (only, TimeoutOutcome.STALE),
    ]
    assert len([e for e in h.timeline(only) if e.type == "exhausted"]) == 1
