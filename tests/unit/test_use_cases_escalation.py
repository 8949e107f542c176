"""Escalation through the use cases: level walks, repeat passes, stale and duplicated timers."""

from __future__ import annotations

from types import TracebackType
from typing import Any
from uuid import UUID

from pagerd.adapters.memory import InMemoryUnitOfWork
from pagerd.domain.alert import AlertStatus, TimeoutOutcome
from pagerd.domain.channels import Channel
from pagerd.domain.service import ServiceStatus
from pagerd.domain.timer import AckTimer
from pagerd.service_layer.paging import DeliveryResult
from pagerd.service_layer.timers import fire_next_due_timer
from pagerd.testing.harness import PagingHarness, level


class _Redelivering:
    """Wraps a timer repository: every claimed batch is handed out a second time."""

    def __init__(self, inner: Any, owner: _TimersDeliveredTwice) -> None:
        self._inner = inner
        self._owner = owner

    def claim_due(self, now: Any, limit: int) -> list[AckTimer]:
        replay, self._owner.replay = self._owner.replay, None
        if replay is not None:
            return replay
        timers: list[AckTimer] = self._inner.claim_due(now, limit)
        self._owner.replay = timers
        return timers

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TimersDeliveredTwice:
    """A unit of work whose timer queue delivers at least once: each timer comes twice."""

    def __init__(self, inner: InMemoryUnitOfWork) -> None:
        self._inner = inner
        self.replay: list[AckTimer] | None = None

    @property
    def timers(self) -> _Redelivering:
        return _Redelivering(self._inner.timers, self)

    def __enter__(self) -> _TimersDeliveredTwice:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _walk(h: PagingHarness, alert_id: UUID) -> list[tuple[str, int, int]]:
    """(type, level, pass) of the escalation entries of an alert's timeline."""
    return [
        (e.type, e.details["level_id"], e.details["pass"])
        for e in h.timeline(alert_id)
        if e.type in ("notified", "level_failed", "exhausted")
    ]


def test_a_stale_timer_of_a_resolved_alert_neither_escalates_the_new_one_nor_revives_it() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com", timeout=300), level("b@example.com")])
    alert_a = h.alert(service.id, "first")
    with h.uow:
        old_timer = h.uow.timers.pending_for_alert(alert_a.id)
    assert old_timer is not None
    h.advance(10)
    h.healthy(service.id)
    h.advance(10)
    alert_b = h.alert(service.id, "second")
    with h.uow:  # A's timer comes back late, as if its cancellation had been missed
        h.uow.timers.arm(old_timer)
        h.uow.commit()

    h.advance(280)  # A's old timer is due, B's is 20 s away

    assert h.fired[-1].timer.id == old_timer.id
    assert h.fired[-1].escalated is False
    assert h.get_alert(alert_a.id).status is AlertStatus.RESOLVED
    assert h.armed_timer(alert_a.id) is None
    assert h.armed_timer(alert_b.id) == (0, 0)
    assert h.paged_addresses() == ["a@example.com", "a@example.com"]

    h.advance(20)

    assert h.paged_addresses()[2:] == ["b@example.com"]
    assert _walk(h, alert_a.id) == [("notified", 0, 0)]


def test_the_same_timer_delivered_twice_notifies_the_next_level_once() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com", timeout=60), level("b@example.com")])
    alert = h.alert(service.id)
    twice = _TimersDeliveredTwice(h.uow)
    h.clock.advance(60)

    first = fire_next_due_timer(twice, h.clock)  # type: ignore[arg-type]
    second = fire_next_due_timer(twice, h.clock)  # type: ignore[arg-type]
    h.run_workers()

    assert first is not None
    assert second is not None
    assert first.timer == second.timer
    assert (first.escalated, second.escalated) == (True, False)
    assert h.paged_addresses() == ["a@example.com", "b@example.com"]
    assert h.armed_timer(alert.id) == (1, 0)


def test_the_last_levels_timer_delivered_twice_records_exhaustion_once() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com", timeout=60)])
    alert = h.alert(service.id)
    twice = _TimersDeliveredTwice(h.uow)
    h.clock.advance(60)

    first = fire_next_due_timer(twice, h.clock)  # type: ignore[arg-type]
    second = fire_next_due_timer(twice, h.clock)  # type: ignore[arg-type]

    assert first is not None
    assert second is not None
    assert (first.outcome, second.outcome) == (TimeoutOutcome.EXHAUSTED, TimeoutOutcome.STALE)
    assert (first.escalated, second.escalated) == (False, False)  # nobody more was paged
    assert _walk(h, alert.id) == [("notified", 0, 0), ("exhausted", 0, 0)]


def test_three_levels_escalate_each_after_its_own_timeout_then_stop_at_the_last() -> None:
    h = PagingHarness()
    service = h.create_service("db")
    h.set_policy(
        service.id,
        [
            level("first@example.com", timeout=60),
            level("+15555550100", timeout=120),
            level("https://hooks.example.com/p", timeout=180),
        ],
    )
    alert = h.alert(service.id)
    h.run_workers()

    seen = []
    for step in (59, 1, 119, 1, 179, 1, 86_400):
        h.advance(step)
        seen.append(len(h.pages()))

    assert seen == [1, 2, 2, 3, 3, 3, 3]
    assert [(p.channel, p.address) for p in h.pages()] == [
        (Channel.EMAIL, "first@example.com"),
        (Channel.SMS, "+15555550100"),
        (Channel.WEBHOOK, "https://hooks.example.com/p"),
    ]
    assert _walk(h, alert.id) == [
        ("notified", 0, 0),
        ("notified", 1, 0),
        ("notified", 2, 0),
        ("exhausted", 2, 0),
    ]
    assert h.armed_timer(alert.id) is None
    assert h.get_alert(alert.id).status is AlertStatus.OPEN
    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY


def test_repeat_two_makes_exactly_two_more_passes_then_stops() -> None:
    h = PagingHarness()
    service = h.create_service("db")
    h.set_policy(
        service.id, [level("a@example.com", timeout=60), level("b@example.com", timeout=60)], 2
    )
    alert = h.alert(service.id)

    for _ in range(10):
        h.advance(60)

    assert h.paged_addresses() == ["a@example.com", "b@example.com"] * 3
    assert _walk(h, alert.id) == [
        ("notified", 0, 0),
        ("notified", 1, 0),
        ("notified", 0, 1),
        ("notified", 1, 1),
        ("notified", 0, 2),
        ("notified", 1, 2),
        ("exhausted", 1, 2),
    ]
    assert h.armed_timer(alert.id) is None


def test_a_policy_edited_mid_incident_applies_only_to_the_next_incident() -> None:
    h = PagingHarness()
    service = h.create_service("db")
    h.set_policy(service.id, [level("old0@example.com", timeout=60), level("old1@example.com")])
    h.alert(service.id)
    h.set_policy(service.id, [level("new0@example.com", timeout=60), level("new1@example.com")])

    h.advance(60)
    h.healthy(service.id)
    h.alert(service.id)
    h.run_workers()

    assert h.paged_addresses() == ["old0@example.com", "old1@example.com", "new0@example.com"]


def test_a_last_level_that_failed_for_good_is_exhausted_once_and_its_timer_disarmed() -> None:
    h = PagingHarness()
    service = h.create_service("db")
    h.set_policy(service.id, [level("+15555550100", timeout=300)])
    h.senders[Channel.SMS].answer(DeliveryResult.permanent("21211 invalid number"))
    alert = h.alert(service.id)

    h.run_workers()
    assert h.armed_timer(alert.id) is None
    h.advance(300)

    assert _walk(h, alert.id) == [("notified", 0, 0), ("level_failed", 0, 0), ("exhausted", 0, 0)]


def test_a_level_that_fails_for_good_after_its_timeout_changes_nothing_more() -> None:
    h = PagingHarness()
    service = h.create_service("db")
    h.set_policy(service.id, [level("+15555550100", timeout=10)])
    h.senders[Channel.SMS].answer(*[DeliveryResult.transient("503")] * 8)
    alert = h.alert(service.id)

    for _ in range(8):
        h.advance(300)

    with h.uow:
        (page,) = h.uow.outbox.list_for_alert(alert.id)
    assert (page.status, page.attempts) == ("failed", 8)
    assert _walk(h, alert.id) == [("notified", 0, 0), ("exhausted", 0, 0)]
