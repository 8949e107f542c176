"""The five behaviours every version of pagerd keeps (DESIGN.md section 1), on the fakes.

Each test checks who was notified, through which channel, and which timer is armed. Where a
behaviour says "the timer fires" after acknowledge or healthy, pagerd has already cancelled
that timer; the tests also put it back, as a late or duplicated delivery would, and check it
changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from pagerd.domain.alert import AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.policy import LevelSpec, TargetSpec
from pagerd.domain.service import MonitoredService, ServiceStatus
from pagerd.domain.timer import AckTimer
from pagerd.testing.harness import PagingHarness, level


def _service_with_two_levels(h: PagingHarness) -> MonitoredService:
    service = h.create_service("checkout")
    h.set_policy(
        service.id,
        [
            level("alice@example.com", "+5492664295169", timeout=300),
            level("https://hooks.example.com/x"),
        ],
    )
    return service


def _pending_timer(h: PagingHarness, alert_id: UUID) -> AckTimer:
    with h.uow:
        timer = h.uow.timers.pending_for_alert(alert_id)
    assert timer is not None
    return timer


def _deliver_again(h: PagingHarness, timer: AckTimer) -> None:
    """Put a consumed or cancelled timer back, as a late duplicate delivery would."""
    with h.uow:
        h.uow.timers.arm(timer)
        h.uow.commit()


def test_an_alert_for_a_healthy_service_pages_level_zero_and_arms_its_timer() -> None:
    h = PagingHarness()
    service = _service_with_two_levels(h)
    start = h.clock.now()

    alert = h.alert(service.id, "checkout is down")
    h.run_workers()

    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY
    assert sorted((p.channel, p.address) for p in h.pages()) == [
        (Channel.EMAIL, "alice@example.com"),
        (Channel.SMS, "+5492664295169"),
    ]
    assert h.armed_timer(alert.id) == (0, 0)
    assert _pending_timer(h, alert.id).due_at == start + timedelta(seconds=300)
    assert h.get_alert(alert.id).level == 0


def test_a_level_without_its_own_timeout_waits_fifteen_minutes() -> None:
    h = PagingHarness()
    service = h.create_service("search")
    h.set_policy(service.id, [LevelSpec([TargetSpec("email", "bob@example.com")])])
    start = h.clock.now()

    alert = h.alert(service.id)

    assert _pending_timer(h, alert.id).due_at == start + timedelta(minutes=15)


def test_an_unanswered_level_escalates_to_the_next_when_its_timer_fires() -> None:
    h = PagingHarness()
    service = _service_with_two_levels(h)
    alert = h.alert(service.id)
    h.run_workers()

    h.advance(299)
    assert len(h.pages()) == 2
    h.advance(1)

    assert [(p.channel, p.address) for p in h.pages()[2:]] == [
        (Channel.WEBHOOK, "https://hooks.example.com/x")
    ]
    assert h.armed_timer(alert.id) == (1, 0)
    assert _pending_timer(h, alert.id).due_at == h.clock.now() + timedelta(minutes=15)
    assert h.get_alert(alert.id).level == 1


def test_an_acknowledged_alert_pages_nobody_when_its_timer_fires() -> None:
    h = PagingHarness()
    service = _service_with_two_levels(h)
    alert = h.alert(service.id)
    h.run_workers()
    timer = _pending_timer(h, alert.id)

    h.acknowledge(alert.id, by="alice")
    assert h.armed_timer(alert.id) is None
    _deliver_again(h, timer)
    h.advance(3600)

    assert len(h.pages()) == 2
    assert [(f.timer.id, f.escalated) for f in h.fired] == [(timer.id, False)]
    assert h.armed_timer(alert.id) is None
    assert h.get_alert(alert.id).status is AlertStatus.ACKNOWLEDGED


def test_an_alert_for_an_unhealthy_service_pages_nobody_and_joins_the_incident() -> None:
    h = PagingHarness()
    service = _service_with_two_levels(h)
    first = h.alert(service.id, "first", dedup_key="a")
    h.run_workers()
    timer = _pending_timer(h, first.id)

    second = h.alert(service.id, "second", dedup_key="b")
    h.run_workers()

    assert second.id == first.id
    assert len(h.pages()) == 2
    assert _pending_timer(h, first.id) == timer  # the first level's timer, no new one
    assert h.get_alert(first.id).dedup_keys == ["a", "b"]
    joined = [e for e in h.timeline(first.id) if e.type == "joined"]
    assert [(e.details["message"], e.details["dedup_key"]) for e in joined] == [("second", "b")]


def test_a_healthy_event_then_the_old_timer_pages_nobody() -> None:
    h = PagingHarness()
    service = _service_with_two_levels(h)
    alert = h.alert(service.id)
    h.run_workers()
    timer = _pending_timer(h, alert.id)

    h.healthy(service.id)
    assert h.armed_timer(alert.id) is None
    _deliver_again(h, timer)
    h.advance(3600)

    assert h.get_service(service.id).status is ServiceStatus.HEALTHY
    assert h.get_alert(alert.id).status is AlertStatus.RESOLVED
    assert len(h.pages()) == 2
    assert [(f.timer.id, f.escalated) for f in h.fired] == [(timer.id, False)]
    assert h.armed_timer(alert.id) is None
