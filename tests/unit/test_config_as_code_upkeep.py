"""Maintenance windows and heartbeats in configuration files: applied idempotently, planned
windows converged, a running window never cut short, past ones never touched, heartbeats by
name without their secret, and export -> apply changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from pagerd.config_as_code import (
    InvalidConfiguration,
    apply_configuration,
    export_configuration,
    parse_configuration,
    render_configuration,
)
from pagerd.service_layer.heartbeats import create_heartbeat, record_ping
from pagerd.service_layer.maintenance import create_window
from pagerd.testing.harness import PagingHarness

# The fake clock starts at 2026-01-01T09:00Z.
FILE = """\
services:
  - name: backups
    maintenance_windows:
      - {start: "2026-01-02T18:00:00+01:00", end: "2026-01-02T20:00:00+01:00", reason: upgrade}
      - {start: "2026-01-05T00:00:00Z", end: "2026-01-05T02:00:00Z"}
    heartbeats:
      - {name: nightly-backup, interval_seconds: 86400, grace_seconds: 3600}
      - {name: hourly-sync, interval_seconds: 3600}
"""


def _apply(h: PagingHarness, text: str) -> list[str]:
    return [str(c) for c in apply_configuration(h.uow, h.clock, parse_configuration(text))]


def _windows(h: PagingHarness) -> list[tuple[str, str, str | None]]:
    with h.uow:
        service = h.uow.services.get_by_name("backups")
        assert service is not None
        stored = h.uow.maintenance.list_for_service(service.id, 100)
    return sorted((w.start_at.isoformat(), w.end_at.isoformat(), w.reason) for w in stored)


def _service_id(h: PagingHarness) -> UUID:
    with h.uow:
        service = h.uow.services.get_by_name("backups")
    assert service is not None
    return service.id


def test_a_file_creates_windows_and_heartbeats_and_a_second_apply_changes_nothing() -> None:
    h = PagingHarness()

    first = _apply(h, FILE)
    second = _apply(h, FILE)

    assert first == [
        "create service 'backups'",
        "create maintenance window of 'backups': 2026-01-02T17:00:00Z to 2026-01-02T19:00:00Z",
        "create maintenance window of 'backups': 2026-01-05T00:00:00Z to 2026-01-05T02:00:00Z",
        "create heartbeat of 'backups': nightly-backup, every 86400 s, grace 3600 s",
        "create heartbeat of 'backups': hourly-sync, every 3600 s, grace 0 s",
    ]
    assert second == []
    assert _windows(h) == [
        ("2026-01-02T17:00:00+00:00", "2026-01-02T19:00:00+00:00", "upgrade"),
        ("2026-01-05T00:00:00+00:00", "2026-01-05T02:00:00+00:00", None),
    ]


def test_export_writes_planned_windows_and_heartbeats_without_ping_tokens_and_round_trips() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    service_id = _service_id(h)
    with h.uow:
        tokens = [b.ping_token for b in h.uow.heartbeats.list_for_service(service_id)]

    text = render_configuration(export_configuration(h.uow, h.clock))

    assert "start: '2026-01-02T17:00:00Z'" in text
    assert "reason: upgrade" in text
    assert "name: nightly-backup\n    interval_seconds: 86400\n    grace_seconds: 3600" in text
    assert not any(token in text for token in tokens)
    assert "ping" not in text
    assert _apply(h, text) == []


def test_a_planned_window_dropped_from_the_file_is_deleted_a_running_one_is_kept() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    service_id = _service_id(h)
    now = h.clock.now()
    create_window(h.uow, h.clock, service_id, now - timedelta(minutes=5), now + timedelta(hours=1))
    only_second = FILE.replace(
        '      - {start: "2026-01-02T18:00:00+01:00", end: "2026-01-02T20:00:00+01:00", '
        "reason: upgrade}\n",
        "",
    )

    changes = _apply(h, only_second)

    assert changes == [
        "delete maintenance window of 'backups': 2026-01-02T17:00:00Z to 2026-01-02T19:00:00Z"
    ]
    assert _windows(h) == [
        ("2026-01-01T08:55:00+00:00", "2026-01-01T10:00:00+00:00", None),
        ("2026-01-05T00:00:00+00:00", "2026-01-05T02:00:00+00:00", None),
    ]


def test_past_windows_are_never_touched_and_a_declared_past_window_is_not_created() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    h.advance(5 * 86400)  # past both windows: the engine ends them
    past = FILE.replace(
        '"2026-01-05T00:00:00Z", end: "2026-01-05T02:00:00Z"',
        '"2025-12-01T00:00:00Z", end: "2025-12-01T02:00:00Z"',
    )

    changes = _apply(h, past)

    assert changes == []
    assert len(_windows(h)) == 2
    exported = render_configuration(export_configuration(h.uow, h.clock))
    assert "maintenance_windows" not in exported


def test_a_changed_reason_is_updated_in_place() -> None:
    h = PagingHarness()
    _apply(h, FILE)

    changes = _apply(h, FILE.replace("reason: upgrade", "reason: kernel upgrade"))

    assert changes == [
        "update maintenance window of 'backups': "
        "2026-01-02T17:00:00Z to 2026-01-02T19:00:00Z: reason kernel upgrade"
    ]
    assert len(_windows(h)) == 2


def test_without_the_lists_the_services_windows_and_heartbeats_are_left_alone() -> None:
    h = PagingHarness()
    _apply(h, FILE)

    assert _apply(h, "services:\n  - name: backups\n") == []
    assert len(_windows(h)) == 2


def test_a_changed_interval_keeps_the_ping_url_and_moves_the_deadline() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    service_id = _service_id(h)
    with h.uow:
        before = h.uow.heartbeats.get_by_name(service_id, "hourly-sync")
    assert before is not None
    h.clock.advance(timedelta(minutes=10))
    record_ping(h.uow, h.clock, before.ping_token)

    changes = _apply(h, FILE.replace("interval_seconds: 3600}", "interval_seconds: 7200}"))

    assert changes == ["update heartbeat of 'backups': hourly-sync, every 7200 s, grace 0 s"]
    with h.uow:
        after = h.uow.heartbeats.get_by_name(service_id, "hourly-sync")
    assert after is not None
    assert after.ping_token == before.ping_token
    assert after.deadline_at == datetime(2026, 1, 1, 11, 10, tzinfo=UTC)


def test_a_heartbeat_dropped_from_the_file_is_deleted() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    create_heartbeat(h.uow, h.clock, _service_id(h), "made-by-api", timedelta(hours=1))

    changes = _apply(h, FILE.replace("      - {name: hourly-sync, interval_seconds: 3600}\n", ""))

    assert sorted(changes) == [
        "delete heartbeat of 'backups': hourly-sync",
        "delete heartbeat of 'backups': made-by-api",
    ]


@pytest.mark.parametrize(
    ("replace", "by", "problem"),
    [
        (
            'end: "2026-01-02T20:00:00+01:00"',
            'end: "2026-01-02T17:00:00+01:00"',
            "services[0].maintenance_windows[0].end (line 4): must be after start",
        ),
        (
            'end: "2026-01-02T20:00:00+01:00"',
            'end: "2027-01-10T20:00:00+01:00"',
            "services[0].maintenance_windows[0].end (line 4): a window lasts at most 366 days",
        ),
        (
            'start: "2026-01-02T18:00:00+01:00"',
            'start: "2026-01-02T18:00:00"',
            "services[0].maintenance_windows[0].start (line 4): must be an RFC 3339 instant",
        ),
        (
            "interval_seconds: 3600}",
            "interval_seconds: 30}",
            "services[0].heartbeats[1].interval_seconds (line 8): must be between 60 and",
        ),
        (
            "grace_seconds: 3600}",
            "grace_seconds: 90000}",
            "services[0].heartbeats[0].grace_seconds (line 7): must be between 0 and 86400",
        ),
        (
            "name: hourly-sync",
            "name: nightly-backup",
            "services[0].heartbeats[1].name (line 8): repeats the name of services[0].heart",
        ),
        (
            '"2026-01-05T00:00:00Z", end: "2026-01-05T02:00:00Z"',
            '"2026-01-02T18:00:00+01:00", end: "2026-01-02T20:00:00+01:00"',
            "services[0].maintenance_windows[1] (line 5): repeats the start and end of",
        ),
    ],
)
def test_a_bad_window_or_heartbeat_is_named_with_its_line(
    replace: str, by: str, problem: str
) -> None:
    assert replace in FILE

    with pytest.raises(InvalidConfiguration) as refused:
        parse_configuration(FILE.replace(replace, by))

    assert any(str(p).startswith(problem) for p in refused.value.problems), refused.value
