"""Maintenance windows through the use cases and the engine's duties, on a fake clock."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.context import AlertContext
from pagerd.domain.maintenance import MaintenanceWindow, WindowPhase
from pagerd.domain.service import IncidentGrouping, MonitoredService
from pagerd.domain.severity import Severity
from pagerd.service_layer import alerts, maintenance, services
from pagerd.service_layer.errors import InvalidFields, NotFound
from pagerd.testing.harness import PagingHarness, level

HOUR = 3600


def _service(h: PagingHarness) -> MonitoredService:
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("first@example.com", timeout=600), level("second@example.com")])
    return service


def _window(
    h: PagingHarness, service: MonitoredService, start: float = 0, end: float = HOUR
) -> MaintenanceWindow:
    now = h.clock.now()
    return maintenance.create_window(
        h.uow,
        h.clock,
        service.id,
        now + timedelta(seconds=start),
        now + timedelta(seconds=end),
        "database upgrade",
    )


def _types(h: PagingHarness, alert_id: UUID) -> list[str]:
    return [e.type for e in h.timeline(alert_id)]


def test_an_alert_during_a_window_is_recorded_and_pages_nobody_and_the_timeline_says_why() -> None:
    h = PagingHarness()
    service = _service(h)
    window = _window(h, service)
    h.advance(60)

    alert = h.alert(service.id, "checkout is down", dedup_key="k")
    h.advance(1800)

    assert alert.status is AlertStatus.OPEN
    assert h.paged_addresses() == []
    suppressed = [e for e in h.timeline(alert.id) if e.type == "paging_suppressed"]
    assert len(suppressed) == 1
    assert suppressed[0].details["maintenance_window_id"] == str(window.id)
    assert "maintenance window" in str(suppressed[0].details["reason"])


def test_a_window_ending_with_the_incident_open_escalates_from_level_0() -> None:
    h = PagingHarness()
    service = _service(h)
    _window(h, service)
    alert = h.alert(service.id)
    h.advance(HOUR - 1)
    assert h.paged_addresses() == []

    h.advance(1)
    assert h.paged_addresses() == ["first@example.com"]
    assert "maintenance_ended" in _types(h, alert.id)
    h.advance(600)
    assert h.paged_addresses() == ["first@example.com", "second@example.com"]


def test_a_window_ending_after_the_source_resolved_the_alert_does_nothing() -> None:
    h = PagingHarness()
    service = _service(h)
    _window(h, service)
    alert = h.alert(service.id, dedup_key="k")
    h.advance(60)
    alerts.resolve_dedup_key(h.uow, h.clock, service.id, "k")

    h.advance(2 * HOUR)

    assert h.get_alert(alert.id).status is AlertStatus.RESOLVED
    assert h.paged_addresses() == []
    assert "maintenance_ended" not in _types(h, alert.id)


def test_a_window_ending_after_an_acknowledgement_pages_nobody() -> None:
    h = PagingHarness()
    service = _service(h)
    _window(h, service)
    alert = h.alert(service.id)
    h.acknowledge(alert.id, by="alice")

    h.advance(2 * HOUR)

    assert h.paged_addresses() == []


def test_overlapping_windows_hold_paging_until_the_last_one_ends() -> None:
    h = PagingHarness()
    service = _service(h)
    _window(h, service, 0, HOUR)
    later = _window(h, service, HOUR / 2, 2 * HOUR)
    alert = h.alert(service.id)

    h.advance(HOUR + 1)
    assert h.paged_addresses() == []
    h.advance(HOUR)

    assert h.paged_addresses() == ["first@example.com"]
    ended = [e for e in h.timeline(alert.id) if e.type == "maintenance_ended"]
    assert [e.details["maintenance_window_id"] for e in ended] == [str(later.id)]


def test_a_planned_window_does_not_hold_an_alert_before_it_starts_nor_after_it_ends() -> None:
    h = PagingHarness()
    service = _service(h)
    _window(h, service, HOUR, 2 * HOUR)

    before = h.alert(service.id, dedup_key="a")
    h.run_workers()
    h.healthy(service.id)
    h.advance(2 * HOUR)
    after = h.alert(service.id, dedup_key="b")
    h.run_workers()

    assert before.level == 0
    assert after.level == 0
    assert h.paged_addresses() == ["first@example.com", "first@example.com"]


def test_an_incident_open_before_the_window_keeps_escalating() -> None:
    h = PagingHarness()
    service = _service(h)
    h.alert(service.id)
    h.run_workers()
    _window(h, service)

    h.advance(600)

    assert h.paged_addresses() == ["first@example.com", "second@example.com"]


def test_deleting_the_current_window_starts_paging_now_and_a_window_end_acts_once() -> None:
    h = PagingHarness()
    service = _service(h)
    window = _window(h, service)
    alert = h.alert(service.id)
    h.advance(60)

    released = maintenance.delete_window(h.uow, h.clock, service.id, window.id)
    h.run_workers()
    h.advance(2 * HOUR)

    assert isinstance(released, Alert)
    assert released.id == alert.id
    assert h.paged_addresses() == ["first@example.com", "second@example.com"]
    assert _types(h, alert.id).count("maintenance_ended") == 1


def test_windows_are_listed_with_their_phase_and_bad_ones_refused() -> None:
    h = PagingHarness()
    service = _service(h)
    past = _window(h, service, -2 * HOUR, 60)
    current = _window(h, service, -60, HOUR)
    planned = _window(h, service, HOUR, 2 * HOUR)
    h.advance(120)

    listed = maintenance.list_windows(h.uow, service.id)
    now = h.clock.now()

    assert [w.id for w in listed] == [planned.id, current.id, past.id]
    assert [w.phase(now) for w in listed] == [
        WindowPhase.PLANNED,
        WindowPhase.CURRENT,
        WindowPhase.PAST,
    ]
    with pytest.raises(InvalidFields):
        _window(h, service, HOUR, HOUR)
    with pytest.raises(InvalidFields):
        _window(h, service, -HOUR, -60)
    with pytest.raises(NotFound):
        maintenance.delete_window(h.uow, h.clock, service.id, h.create_service("other").id)


def _graded_service(
    h: PagingHarness, grouping: IncidentGrouping = IncidentGrouping.SERVICE
) -> MonitoredService:
    service = services.create_service(h.uow, h.clock, "billing", grouping, Severity.ERROR)
    h.set_policy(service.id, [level("first@example.com", timeout=600)])
    return service


def _send(h: PagingHarness, service: MonitoredService, severity: Severity, key: str) -> Alert:
    context = AlertContext(severity=severity)
    received = alerts.receive_alert(h.uow, h.clock, service.id, "down", key, context)
    return received.alert


def test_a_qualifying_alert_joining_a_held_incident_in_a_window_waits_for_its_end() -> None:
    h = PagingHarness()
    service = _graded_service(h)
    _window(h, service)
    held = _send(h, service, Severity.WARNING, "a")
    _send(h, service, Severity.CRITICAL, "b")
    h.run_workers()

    assert h.paged_addresses() == []
    # Both alerts would have paged now (the second lifts the held incident): both say why.
    assert _types(h, held.id).count("paging_suppressed") == 2
    h.advance(HOUR)
    assert h.paged_addresses() == ["first@example.com"]


def test_an_incident_below_the_paging_severity_stays_held_when_the_window_ends() -> None:
    h = PagingHarness()
    service = _graded_service(h)
    _window(h, service)
    held = _send(h, service, Severity.WARNING, "a")

    h.advance(2 * HOUR)

    assert h.paged_addresses() == []
    assert "maintenance_ended" not in _types(h, held.id)
    _send(h, service, Severity.CRITICAL, "b")
    h.run_workers()
    assert h.paged_addresses() == ["first@example.com"]


def test_every_incident_held_under_dedup_key_grouping_pages_when_the_window_ends() -> None:
    h = PagingHarness()
    service = _graded_service(h, IncidentGrouping.DEDUP_KEY)
    _window(h, service)
    first = _send(h, service, Severity.CRITICAL, "disk")
    second = _send(h, service, Severity.ERROR, "cpu")
    h.run_workers()
    assert h.paged_addresses() == []

    h.advance(HOUR)

    assert first.id != second.id
    with h.uow:
        pages = [len(h.uow.outbox.list_for_alert(a.id)) for a in (first, second)]
    assert pages == [1, 1]
    assert h.paged_addresses() == ["first@example.com"]  # one message for both pages


def test_the_console_timeline_says_paging_waited_for_the_maintenance_window() -> None:
    from pagerd.entrypoints.console.timeline import describe_timeline

    h = PagingHarness()
    service = _service(h)
    _window(h, service)
    alert = h.alert(service.id)
    h.advance(HOUR)

    lines = [line.text for line in describe_timeline(alert, h.timeline(alert.id))]

    assert (
        "Nobody was paged: the service is in a maintenance window until 2026-01-01 10:00 UTC. "
        "Level 1 is paged when it ends, if the incident is still open." in lines
    )
    assert "The maintenance window ended with the incident still open: paging starts." in lines
