"""Heartbeat monitors through the use cases and the engine's duties, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pagerd.domain.alert import AlertStatus
from pagerd.domain.heartbeat import Heartbeat
from pagerd.domain.service import MonitoredService, ServiceStatus
from pagerd.service_layer import heartbeats
from pagerd.service_layer.errors import Conflict, InvalidFields, NotFound
from pagerd.testing.harness import PagingHarness, level

DAY = 86_400


def _service(h: PagingHarness) -> MonitoredService:
    service = h.create_service("backups")
    h.set_policy(service.id, [level("oncall@example.com", timeout=600)])
    return service


def _heartbeat(
    h: PagingHarness, service: MonitoredService, interval: int = DAY, grace: int = 0
) -> Heartbeat:
    return heartbeats.create_heartbeat(
        h.uow,
        h.clock,
        service.id,
        "nightly-backup",
        timedelta(seconds=interval),
        timedelta(seconds=grace),
    )


def _open_alerts(h: PagingHarness, service: MonitoredService) -> list[object]:
    with h.uow:
        active = h.uow.alerts.get_active_for_service(service.id)
    return [active] if active is not None else []


def test_a_heartbeat_pinged_in_time_never_alerts() -> None:
    h = PagingHarness()
    service = _service(h)
    beat = _heartbeat(h, service, interval=3600)

    for _ in range(5):
        h.advance(3500)
        heartbeats.record_ping(h.uow, h.clock, beat.ping_token)
    h.advance(3600)

    assert _open_alerts(h, service) == []
    assert h.paged_addresses() == []


def test_a_heartbeat_late_by_one_second_opens_an_alert_that_says_since_when() -> None:
    h = PagingHarness()
    h.clock.advance(datetime(2026, 11, 27, 2, 0, tzinfo=UTC) - h.clock.now())
    service = _service(h)
    beat = _heartbeat(h, service)
    heartbeats.record_ping(h.uow, h.clock, beat.ping_token)

    h.advance(DAY)  # exactly at the deadline: still in time
    assert _open_alerts(h, service) == []
    h.advance(1)

    with h.uow:
        alert = h.uow.alerts.get_active_for_service(service.id)
    assert alert is not None
    assert alert.dedup_keys == ["heartbeat:nightly-backup"]
    assert alert.message == (
        "nightly-backup has not checked in since 2026-11-27 02:00 UTC, expected every 24 h"
    )
    assert h.paged_addresses() == ["oncall@example.com"]


def test_a_ping_in_the_grace_period_keeps_the_heartbeat_quiet() -> None:
    h = PagingHarness()
    service = _service(h)
    beat = _heartbeat(h, service, interval=3600, grace=600)

    h.advance(3600 + 599)
    heartbeats.record_ping(h.uow, h.clock, beat.ping_token)
    h.advance(3600 + 600)

    assert _open_alerts(h, service) == []
    h.advance(1)
    assert len(_open_alerts(h, service)) == 1


def test_a_missed_deadline_alerts_once_however_long_the_job_stays_silent() -> None:
    h = PagingHarness()
    service = _service(h)
    _heartbeat(h, service, interval=3600)

    for _ in range(10):
        h.advance(3601)

    with h.uow:
        alert = h.uow.alerts.get_active_for_service(service.id)
    assert alert is not None
    assert [e.type for e in h.timeline(alert.id)].count("opened") == 1
    assert "joined" not in [e.type for e in h.timeline(alert.id)]
    assert h.paged_addresses() == ["oncall@example.com"]  # one level, one page


def test_a_ping_after_the_alert_resolves_its_key_and_heals_the_service() -> None:
    h = PagingHarness()
    service = _service(h)
    beat = _heartbeat(h, service, interval=3600)
    h.advance(3601)
    alert = _open_alerts(h, service)[0]

    pinged = heartbeats.record_ping(h.uow, h.clock, beat.ping_token)

    resolved = h.get_alert(alert.id)  # type: ignore[attr-defined]
    assert resolved.status is AlertStatus.RESOLVED
    assert h.get_service(service.id).status is ServiceStatus.HEALTHY
    assert pinged.late is False
    assert pinged.deadline_at == h.clock.now() + timedelta(seconds=3600)


def test_a_ping_resolves_only_its_own_key_of_a_shared_incident() -> None:
    h = PagingHarness()
    service = _service(h)
    beat = _heartbeat(h, service, interval=3600)
    h.alert(service.id, "disk full", dedup_key="disk")
    h.advance(3601)

    heartbeats.record_ping(h.uow, h.clock, beat.ping_token)

    with h.uow:
        alert = h.uow.alerts.get_active_for_service(service.id)
    assert alert is not None
    assert alert.dedup_keys == ["disk"]


def test_a_missed_heartbeat_joins_the_incident_already_open() -> None:
    h = PagingHarness()
    service = _service(h)
    _heartbeat(h, service, interval=3600)
    opened = h.alert(service.id, "disk full", dedup_key="disk")
    h.run_workers()

    h.advance(3601)

    with h.uow:
        alert = h.uow.alerts.get_active_for_service(service.id)
    assert alert is not None
    assert alert.id == opened.id
    assert alert.dedup_keys == ["disk", "heartbeat:nightly-backup"]


def test_a_heartbeat_checks_its_fields_and_its_name_is_unique_per_service() -> None:
    h = PagingHarness()
    service = _service(h)
    _heartbeat(h, service)

    with pytest.raises(Conflict):
        _heartbeat(h, service)
    with pytest.raises(InvalidFields) as bad:
        heartbeats.create_heartbeat(
            h.uow, h.clock, service.id, " ", timedelta(seconds=59), timedelta(seconds=86_401)
        )
    assert [d.field for d in bad.value.details] == ["name", "interval_seconds", "grace_seconds"]
    with pytest.raises(NotFound):
        _heartbeat(h, MonitoredService(uuid4(), "gone", "k", h.clock.now()))


def test_an_unknown_ping_token_is_not_found_and_a_deleted_heartbeat_stops_alerting() -> None:
    h = PagingHarness()
    service = _service(h)
    beat = _heartbeat(h, service, interval=3600)

    with pytest.raises(NotFound):
        heartbeats.record_ping(h.uow, h.clock, "not-a-token")
    heartbeats.delete_heartbeat(h.uow, h.clock, service.id, beat.id)
    h.advance(7200)

    assert _open_alerts(h, service) == []
    with pytest.raises(NotFound):
        heartbeats.record_ping(h.uow, h.clock, beat.ping_token)


def test_creating_and_deleting_a_heartbeat_is_audited_without_its_secret() -> None:
    h = PagingHarness()
    service = _service(h)
    beat = _heartbeat(h, service)
    h.clock.advance(timedelta(seconds=1))  # entries of one instant have no defined order
    heartbeats.delete_heartbeat(h.uow, h.clock, service.id, beat.id)

    with h.uow:
        entries = h.uow.audit_log.list(10)
    actions = [e.action for e in entries if e.action.startswith("heartbeat.")]
    assert actions == ["heartbeat.deleted", "heartbeat.created"]
    assert all(beat.ping_token not in repr(e) for e in entries)


def test_retiming_moves_a_kept_deadline_and_leaves_a_late_heartbeat_late() -> None:
    created = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    kept = Heartbeat.create(uuid4(), "sync", timedelta(hours=1), timedelta(0), created)
    kept.ping(created + timedelta(minutes=10))
    late = Heartbeat.create(uuid4(), "backup", timedelta(hours=1), timedelta(0), created)
    late.miss(created + timedelta(hours=2))

    kept.retime(timedelta(hours=2), timedelta(minutes=5))
    late.retime(timedelta(hours=2), timedelta(minutes=5))

    assert kept.deadline_at == created + timedelta(hours=2, minutes=15)
    assert (late.late, late.deadline_at) == (True, None)
    with pytest.raises(ValueError, match="at least 60 seconds"):
        kept.retime(timedelta(seconds=59), timedelta(0))
