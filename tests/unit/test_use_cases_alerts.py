"""Receiving, acknowledging and resolving alerts through the use cases, on the fakes."""

from __future__ import annotations

import copy
from uuid import uuid4

import pytest

from pagerd.domain.alert import AlertStatus
from pagerd.domain.errors import AlertAlreadyResolved
from pagerd.domain.service import MonitoredService, ServiceStatus
from pagerd.service_layer import alerts
from pagerd.service_layer.errors import NotFound
from pagerd.testing.harness import PagingHarness, level


def _paged_service(h: PagingHarness, name: str = "checkout") -> MonitoredService:
    service = h.create_service(name)
    h.set_policy(
        service.id, [level(f"{name}-0@example.com", timeout=60), level(f"{name}-1@example.com")]
    )
    return service


def _types(h: PagingHarness, alert_id: object) -> list[str]:
    return [e.type for e in h.timeline(alert_id)]  # type: ignore[arg-type]


def test_acknowledge_is_idempotent_and_keeps_the_first_acknowledger() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id)
    h.advance(10)

    first = h.acknowledge(alert.id, by="alice")
    h.advance(10)
    second = h.acknowledge(alert.id, by="bob")

    assert first.acknowledged_by == second.acknowledged_by == "alice"
    assert second.acknowledged_at == first.acknowledged_at
    assert _types(h, alert.id).count("acknowledged") == 1


def test_acknowledge_never_heals_the_service_and_later_alerts_still_join() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id, dedup_key="a")
    h.run_workers()
    h.acknowledge(alert.id)

    joined = alerts.receive_alert(h.uow, h.clock, service.id, "still down", "b")
    h.advance(3600)

    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY
    assert joined.deduplicated is True
    assert joined.alert.id == alert.id
    assert joined.alert.status is AlertStatus.ACKNOWLEDGED
    assert h.paged_addresses() == ["checkout-0@example.com"]


def test_acknowledging_a_resolved_alert_is_refused_and_changes_nothing() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id)
    h.healthy(service.id)
    before = copy.deepcopy(h.store.state)

    with pytest.raises(AlertAlreadyResolved):
        h.acknowledge(alert.id, by="alice")

    assert h.store.state == before


def test_acknowledging_an_unknown_alert_is_not_found() -> None:
    h = PagingHarness()

    with pytest.raises(NotFound) as caught:
        h.acknowledge(uuid4())

    assert (caught.value.code, caught.value.kind) == ("not_found", "alert")


def test_healthy_is_idempotent() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id)

    h.healthy(service.id)
    resolved_at = h.get_alert(alert.id).resolved_at
    h.advance(5)
    again = h.healthy(service.id)

    assert again.status is ServiceStatus.HEALTHY
    assert h.get_alert(alert.id).resolved_at == resolved_at
    assert _types(h, alert.id).count("resolved") == 1


def test_healthy_for_a_service_without_incident_keeps_it_healthy() -> None:
    h = PagingHarness()
    service = _paged_service(h)

    assert h.healthy(service.id).status is ServiceStatus.HEALTHY
    with pytest.raises(NotFound):
        h.healthy(uuid4())


def test_healthy_resolves_an_acknowledged_alert() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id)
    h.acknowledge(alert.id)

    h.healthy(service.id)

    assert h.get_alert(alert.id).status is AlertStatus.RESOLVED
    assert h.get_service(service.id).status is ServiceStatus.HEALTHY


def test_an_alert_after_healthy_starts_a_fresh_incident_at_level_zero() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    old = h.alert(service.id, dedup_key="same")
    h.advance(60)
    h.healthy(service.id)

    new = h.alert(service.id, dedup_key="same")
    h.run_workers()

    assert new.id != old.id
    assert (new.level, new.pass_number, new.status) == (0, 0, AlertStatus.OPEN)
    assert h.paged_addresses() == [
        "checkout-0@example.com",
        "checkout-1@example.com",
        "checkout-0@example.com",
    ]
    assert h.armed_timer(new.id) == (0, 0)


def test_two_services_never_affect_each_other() -> None:
    h = PagingHarness()
    one, two = _paged_service(h, "one"), _paged_service(h, "two")
    alert_one = h.alert(one.id)
    h.advance(30)
    alert_two = h.alert(two.id)

    h.acknowledge(alert_one.id)
    h.advance(30)
    h.healthy(one.id)
    h.advance(30)

    assert alert_two.id != alert_one.id
    assert h.get_alert(alert_two.id).status is AlertStatus.OPEN
    assert h.get_service(two.id).status is ServiceStatus.UNHEALTHY
    assert h.armed_timer(alert_two.id) == (1, 0)
    assert h.paged_addresses() == ["one-0@example.com", "two-0@example.com", "two-1@example.com"]


def test_an_alert_without_a_policy_is_recorded_and_says_why_nobody_was_paged() -> None:
    h = PagingHarness()
    service = h.create_service("no-policy")

    alert = h.alert(service.id, "disk full")
    h.advance(3600)

    assert h.get_alert(alert.id).status is AlertStatus.OPEN
    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY
    assert h.pages() == []
    assert h.armed_timer(alert.id) is None
    opened, no_policy = h.timeline(alert.id)
    assert (opened.type, opened.details["message"]) == ("opened", "disk full")
    assert no_policy.type == "no_policy"
    assert "no escalation policy" in no_policy.details["reason"]


def test_an_alert_for_an_unknown_service_is_not_found_and_changes_nothing() -> None:
    h = PagingHarness()
    before = copy.deepcopy(h.store.state)

    with pytest.raises(NotFound) as caught:
        h.alert(uuid4())

    assert caught.value.kind == "service"
    assert h.store.state == before


def test_an_alert_without_a_dedup_key_gets_a_fresh_one() -> None:
    h = PagingHarness()
    service = _paged_service(h)

    alert = h.alert(service.id)

    (key,) = alert.dedup_keys
    assert len(key) == 32


def test_joining_alerts_add_their_keys_and_resolving_every_key_heals_the_service() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id, dedup_key="disk")
    h.alert(service.id, dedup_key="cpu")
    h.alert(service.id, dedup_key="disk")

    kept = alerts.resolve_dedup_key(h.uow, h.clock, service.id, "disk")
    assert kept is not None
    assert kept.dedup_keys == ["cpu"]
    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY

    done = alerts.resolve_dedup_key(h.uow, h.clock, service.id, "cpu")

    assert done is not None
    assert done.status is AlertStatus.RESOLVED
    assert h.get_service(service.id).status is ServiceStatus.HEALTHY
    assert h.armed_timer(alert.id) is None
    resolved = [e for e in h.timeline(alert.id) if e.type == "resolved"]
    assert [e.details["reason"] for e in resolved] == ["all_dedup_keys_resolved"]


def test_resolving_an_unknown_key_changes_nothing() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    h.alert(service.id, dedup_key="disk")
    before = copy.deepcopy(h.store.state)

    assert alerts.resolve_dedup_key(h.uow, h.clock, service.id, "cpu") is None
    assert h.store.state == before
    with pytest.raises(NotFound):
        alerts.resolve_dedup_key(h.uow, h.clock, uuid4(), "disk")


def test_acknowledge_by_dedup_key_finds_the_incident_holding_the_key() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id, dedup_key="disk")
    h.alert(service.id, dedup_key="cpu")

    acked = alerts.acknowledge_by_dedup_key(h.uow, h.clock, service.id, "cpu", by="pd")
    again = alerts.acknowledge_by_dedup_key(h.uow, h.clock, service.id, "disk", by="other")

    assert acked is not None
    assert again is not None
    assert acked.id == again.id == alert.id
    assert (again.status, again.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, "pd")
    assert h.armed_timer(alert.id) is None


def test_acknowledge_by_an_unknown_dedup_key_changes_nothing() -> None:
    h = PagingHarness()
    service = _paged_service(h)
    alert = h.alert(service.id, dedup_key="disk")

    assert alerts.acknowledge_by_dedup_key(h.uow, h.clock, service.id, "cpu") is None
    assert h.get_alert(alert.id).status is AlertStatus.OPEN
    h.healthy(service.id)
    assert alerts.acknowledge_by_dedup_key(h.uow, h.clock, service.id, "disk") is None
