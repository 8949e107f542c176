"""Incidents with their context, per-service grouping and paging severity, and the actions
people take; through the use cases on the in-memory store, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from pagerd.domain.alert import KEYS_SHOWN, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.context import AlertContext, Link
from pagerd.domain.errors import NothingToEscalate
from pagerd.domain.service import IncidentGrouping, MonitoredService, ServiceStatus
from pagerd.domain.severity import Severity
from pagerd.service_layer import incidents, services
from pagerd.service_layer.alert_batches import receive_alert_batch
from pagerd.service_layer.alerts import IncomingAlert
from pagerd.service_layer.services import GroupingLocked
from pagerd.testing.harness import PagingHarness, level
from tests.integration.conftest import UowFactory


@pytest.fixture
def h(make_uow: UowFactory) -> PagingHarness:
    return PagingHarness(make_uow=make_uow)


def _service(
    h: PagingHarness,
    grouping: IncidentGrouping = IncidentGrouping.SERVICE,
    paging: Severity = Severity.INFO,
) -> MonitoredService:
    service = h.create_service("payments", grouping, paging)
    h.set_policy(service.id, [level("alice@example.com", timeout=300), level("bob@example.com")])
    return service


def _types(h: PagingHarness, alert_id: object) -> list[str]:
    return [e.type for e in h.timeline(alert_id)]  # type: ignore[arg-type]


def test_an_alert_keeps_its_severity_source_details_and_links(h: PagingHarness) -> None:
    service = _service(h)
    context = AlertContext(
        Severity.WARNING,
        "api-7",
        {"error_rate": "6.2%", "nested": {"region": "eu"}},
        (Link("https://runbooks.example.com/5xx", "Runbook"),),
    )

    alert = h.alert(service.id, "HTTP 5xx", context=context)
    h.run_workers()

    stored = h.get_alert(alert.id)
    assert (stored.severity, stored.source) == (Severity.WARNING, "api-7")
    assert stored.details == {"error_rate": "6.2%", "nested": {"region": "eu"}}
    assert stored.links == (Link("https://runbooks.example.com/5xx", "Runbook"),)
    assert h.pages()[0].items[0].severity is Severity.WARNING
    assert h.pages()[0].items[0].links == stored.links


def test_an_incident_below_the_paging_severity_pages_nobody_and_says_so(
    h: PagingHarness,
) -> None:
    service = _service(h, paging=Severity.ERROR)

    alert = h.alert(service.id, "disk 80%", severity=Severity.WARNING)
    h.run_workers()

    assert h.pages() == []
    assert h.armed_timer(alert.id) is None
    assert _types(h, alert.id) == ["opened", "paging_held"]
    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY
    assert h.get_alert(alert.id).level is None


def test_an_alert_at_the_paging_severity_joining_a_held_incident_pages_level_zero(
    h: PagingHarness,
) -> None:
    service = _service(h, paging=Severity.ERROR)
    held = h.alert(service.id, "disk 80%", severity=Severity.WARNING)
    h.alert(service.id, "disk 85%", severity=Severity.INFO)
    h.run_workers()
    assert h.pages() == []

    h.alert(service.id, "disk 99%", severity=Severity.ERROR)
    h.run_workers()

    assert h.paged_addresses() == ["alice@example.com"]
    assert h.armed_timer(held.id) == (0, 0)
    incident = h.get_alert(held.id)
    assert (incident.level, incident.severity) == (0, Severity.ERROR)
    assert _types(h, held.id)[-3:] == ["joined", "notified", "delivered"]


def test_under_dedup_key_grouping_each_key_is_its_own_incident_and_pages(
    h: PagingHarness,
) -> None:
    service = _service(h, IncidentGrouping.DEDUP_KEY)

    first = h.alert(service.id, "disk full", dedup_key="disk")
    second = h.alert(service.id, "api down", dedup_key="api")
    again = h.alert(service.id, "disk still full", dedup_key="disk")
    h.run_workers()

    assert first.id != second.id
    assert again.id == first.id
    assert h.paged_addresses() == ["alice@example.com"]  # two incidents, one message
    assert len(h.pages()[0].items) == 2
    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY


def test_under_dedup_key_grouping_the_service_heals_when_its_last_incident_resolves(
    h: PagingHarness,
) -> None:
    service = _service(h, IncidentGrouping.DEDUP_KEY)
    disk = h.alert(service.id, "disk full", dedup_key="disk")
    api = h.alert(service.id, "api down", dedup_key="api")

    incidents.resolve_incident(h.uow, h.clock, disk.id, by="alice")
    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY
    incidents.resolve_incident(h.uow, h.clock, api.id, by="alice")

    assert h.get_service(service.id).status is ServiceStatus.HEALTHY


def test_a_healthy_event_resolves_every_incident_of_a_dedup_key_service(
    h: PagingHarness,
) -> None:
    service = _service(h, IncidentGrouping.DEDUP_KEY)
    opened = [h.alert(service.id, f"problem {n}", dedup_key=f"k{n}") for n in range(3)]

    h.healthy(service.id)

    assert {h.get_alert(a.id).status for a in opened} == {AlertStatus.RESOLVED}
    assert h.get_service(service.id).status is ServiceStatus.HEALTHY


def test_the_grouping_changes_only_while_no_incident_is_under_way(h: PagingHarness) -> None:
    service = _service(h)
    h.alert(service.id)

    with pytest.raises(GroupingLocked):
        services.update_service(h.uow, service.id, incident_grouping=IncidentGrouping.DEDUP_KEY)
    h.healthy(service.id)
    changed = services.update_service(
        h.uow, service.id, "pay", IncidentGrouping.DEDUP_KEY, Severity.WARNING
    )

    assert (changed.name, changed.incident_grouping, changed.paging_severity) == (
        "pay",
        IncidentGrouping.DEDUP_KEY,
        Severity.WARNING,
    )
    assert h.get_service(service.id) == changed


def test_resolving_an_incident_names_who_and_heals_its_service(h: PagingHarness) -> None:
    service = _service(h)
    alert = h.alert(service.id)

    resolved = incidents.resolve_incident(h.uow, h.clock, alert.id, by="token ops")

    assert resolved.status is AlertStatus.RESOLVED
    entry = next(e for e in h.timeline(alert.id) if e.type == "resolved")
    assert (entry.details["by"], entry.details["reason"]) == ("token ops", "manual")
    assert h.get_service(service.id).status is ServiceStatus.HEALTHY
    assert h.armed_timer(alert.id) is None


def test_escalating_pages_the_next_level_now_and_rearms_its_timer(h: PagingHarness) -> None:
    service = _service(h)
    alert = h.alert(service.id)
    h.run_workers()

    incidents.escalate_incident(h.uow, h.clock, alert.id, by="alice")
    h.run_workers()

    assert h.paged_addresses() == ["alice@example.com", "bob@example.com"]
    assert h.armed_timer(alert.id) == (1, 0)
    entry = next(e for e in h.timeline(alert.id) if e.type == "escalated")
    assert entry.details == {"by": "alice"}
    with pytest.raises(NothingToEscalate):
        incidents.escalate_incident(h.uow, h.clock, alert.id, by="alice")


def test_a_note_goes_on_the_timeline_with_its_author(h: PagingHarness) -> None:
    service = _service(h)
    alert = h.alert(service.id)

    incidents.add_note(h.uow, h.clock, alert.id, "rolled back 4812", by="bob")

    assert h.timeline(alert.id)[-1].details == {"by": "bob", "text": "rolled back 4812"}


def test_an_exhausted_incident_shows_that_nobody_is_being_paged(h: PagingHarness) -> None:
    service = _service(h)
    alert = h.alert(service.id)
    h.run_workers()

    h.advance(300)
    h.advance(900)

    assert h.get_alert(alert.id).escalation_ended_at == h.clock.now()
    with h.uow:
        assert h.uow.alerts.count_escalation_ended() == 1


def test_a_batch_opens_joins_skips_repeats_and_resolves_keys_in_one_unit(
    h: PagingHarness,
) -> None:
    service = _service(h)
    firing = [IncomingAlert(f"alert {n}", f"fp{n}") for n in range(5)]
    receive_alert_batch(h.uow, h.clock, service.id, firing, [])

    result = receive_alert_batch(
        h.uow, h.clock, service.id, [*firing[:2], IncomingAlert("new", "fp9")], ["fp0", "zz"]
    )

    assert result.actions == [
        ("fp0", "unchanged"),
        ("fp1", "unchanged"),
        ("fp9", "joined"),
        ("fp0", "key_resolved"),
        ("zz", "not_held"),
    ]
    incident = h.get_alert(h.alert(service.id, dedup_key="fp1").id)
    assert incident.dedup_key_count == 5
    assert incident.dedup_keys == ["fp1", "fp2", "fp3", "fp4", "fp9"]


def test_a_batch_resolving_every_key_heals_the_service(h: PagingHarness) -> None:
    service = _service(h, IncidentGrouping.DEDUP_KEY)
    firing = [IncomingAlert(f"alert {n}", f"fp{n}") for n in range(3)]
    receive_alert_batch(h.uow, h.clock, service.id, firing, [])
    assert h.get_service(service.id).status is ServiceStatus.UNHEALTHY

    result = receive_alert_batch(h.uow, h.clock, service.id, [], ["fp0", "fp1", "fp2"])

    assert result.count("key_resolved") == 3
    assert h.get_service(service.id).status is ServiceStatus.HEALTHY


def test_an_incident_shows_its_first_keys_and_counts_them_all(h: PagingHarness) -> None:
    service = _service(h)
    firing = [IncomingAlert(f"alert {n}", f"fp{n:04}") for n in range(KEYS_SHOWN + 20)]
    receive_alert_batch(h.uow, h.clock, service.id, firing, [])

    joined = h.alert(service.id, "one more", dedup_key="fp0119")
    last = h.alert(service.id, "and another", dedup_key="extra")

    assert joined.id == last.id
    stored = h.get_alert(last.id)
    assert stored.dedup_key_count == KEYS_SHOWN + 21
    assert stored.dedup_keys == [f"fp{n:04}" for n in range(KEYS_SHOWN)]
    assert h.pages(Channel.EMAIL) == []  # nothing delivered yet: the workers did not run
