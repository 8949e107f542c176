"""The five behaviours of DESIGN.md section 1, through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.alert import AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.service import MonitoredService, ServiceStatus
from pagerd.testing.harness import PagingHarness, level


@pytest.fixture
def h(engine: Engine) -> PagingHarness:
    return PagingHarness(make_uow=lambda signal: SqlAlchemyUnitOfWork(engine, signal))


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


def test_an_alert_for_a_healthy_service_pages_level_zero_and_arms_its_timer(
    h: PagingHarness,
) -> None:
    service = _service_with_two_levels(h)

    alert = h.alert(service.id, "checkout is down")
    h.run_workers()

    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY
    assert {(p.channel, p.address) for p in h.pages()} == {
        (Channel.EMAIL, "alice@example.com"),
        (Channel.SMS, "+5492664295169"),
    }
    assert h.armed_timer(alert.id) == (0, 0)
    assert h.signal.count > 0


def test_an_unanswered_level_escalates_to_the_next_when_its_timer_fires(h: PagingHarness) -> None:
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
    assert h.get_alert(alert.id).level == 1


def test_an_acknowledged_alert_pages_nobody_when_its_timer_fires(h: PagingHarness) -> None:
    service = _service_with_two_levels(h)
    alert = h.alert(service.id)
    h.run_workers()

    h.acknowledge(alert.id, by="alice")
    assert h.armed_timer(alert.id) is None
    h.advance(3600)

    assert len(h.pages()) == 2
    assert h.armed_timer(alert.id) is None
    assert h.get_alert(alert.id).status is AlertStatus.ACKNOWLEDGED


def test_an_alert_for_an_unhealthy_service_pages_nobody_and_joins_the_incident(
    h: PagingHarness,
) -> None:
    service = _service_with_two_levels(h)
    first = h.alert(service.id, "first", dedup_key="a")
    h.run_workers()

    second = h.alert(service.id, "second", dedup_key="b")
    h.run_workers()

    assert second.id == first.id
    assert len(h.pages()) == 2
    assert h.armed_timer(first.id) == (0, 0)
    assert h.get_alert(first.id).dedup_keys == ["a", "b"]
    joined = [e for e in h.timeline(first.id) if e.type == "joined"]
    assert [e.details["message"] for e in joined] == ["second"]


def test_a_healthy_event_then_the_old_timer_pages_nobody(h: PagingHarness) -> None:
    service = _service_with_two_levels(h)
    alert = h.alert(service.id)
    h.run_workers()

    h.healthy(service.id)
    h.advance(3600)

    assert h.get_service(service.id).status is ServiceStatus.HEALTHY
    assert h.get_alert(alert.id).status is AlertStatus.RESOLVED
    assert len(h.pages()) == 2
    assert h.armed_timer(alert.id) is None


def test_the_next_alert_after_healthy_starts_a_fresh_incident_from_level_zero(
    h: PagingHarness,
) -> None:
    service = _service_with_two_levels(h)
    first = h.alert(service.id)
    h.advance(300)
    h.healthy(service.id)

    second = h.alert(service.id)
    h.run_workers()

    assert second.id != first.id
    assert h.get_alert(second.id).level == 0
    assert h.armed_timer(second.id) == (0, 0)
    assert [p.address for p in h.pages()][-2:] in (
        ["alice@example.com", "+5492664295169"],
        ["+5492664295169", "alice@example.com"],
    )
