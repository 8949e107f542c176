"""Schedule targets in configuration files: a level names a schedule by its name, apply
resolves it (declared in the same file or existing), refuses an unknown one and changes
nothing, export writes names, and export -> apply changes nothing."""

from __future__ import annotations

import pytest

from pagerd.config_as_code import (
    InvalidConfiguration,
    apply_configuration,
    export_configuration,
    parse_configuration,
    render_configuration,
)
from pagerd.domain.policy import LevelSpec, ScheduleTarget, TargetSpec
from pagerd.domain.schedule_build import LayerSpec
from pagerd.service_layer.schedules import create_schedule
from pagerd.testing.harness import PagingHarness

FILE = """\
users:
  - name: alice
    contact_methods:
      - {type: email, address: alice@example.com}
schedules:
  - name: Primary
    time_zone: UTC
    layers:
      - participants: [alice]
        rotation: {type: daily, handoff: "2026-01-01T00:00"}
services:
  - name: checkout
    escalation_policy:
      levels:
        - targets:
            - schedule: Primary
            - {type: email, email: team@example.com}
"""


def _apply(h: PagingHarness, text: str) -> list[str]:
    return [str(c) for c in apply_configuration(h.uow, h.clock, parse_configuration(text))]


def test_a_level_names_a_schedule_declared_in_the_same_file_and_pages_its_person() -> None:
    h = PagingHarness()

    changes = _apply(h, FILE)

    assert changes[:3] == [
        "create user 'alice'",
        "create contact method of 'alice': alice@example.com",
        "create schedule 'Primary': UTC, 1 layer",
    ]
    with h.uow:
        service = h.uow.services.get_by_name("checkout")
        assert service is not None
        policy = h.uow.policies.get_for_service(service.id)
        schedule = h.uow.schedules.get_by_name("Primary")
    assert policy is not None
    assert schedule is not None
    assert policy.levels[0].targets[0] == ScheduleTarget(
        policy.levels[0].targets[0].id, schedule.id
    )
    h.alert(service.id)
    h.advance()
    assert sorted(h.paged_addresses()) == ["alice@example.com", "team@example.com"]


def test_a_level_may_name_a_schedule_that_already_exists() -> None:
    h = PagingHarness()
    alice = h.create_user("alice")
    create_schedule(
        h.uow, h.clock, "Primary", "UTC", [LayerSpec([alice.id], "daily", 1, "2026-01-01T00:00")]
    )
    services_only = FILE[FILE.index("services:") :]

    assert _apply(h, services_only) == [
        "create service 'checkout'",
        "create escalation policy of 'checkout': 1 level, 2 targets, repeat 0",
    ]
    assert _apply(h, services_only) == []


def test_an_unknown_schedule_is_refused_by_name_and_nothing_changes() -> None:
    h = PagingHarness()
    text = FILE.replace("- schedule: Primary", "- {type: schedule, schedule: Secondary}")

    with pytest.raises(InvalidConfiguration) as refused:
        _apply(h, text)

    assert str(refused.value) == (
        "services[0].escalation_policy: names schedule 'Secondary', which does not exist "
        "and is not declared in schedules:"
    )
    with h.uow:
        assert h.uow.users.get_by_name("alice") is None
        assert h.uow.schedules.get_by_name("Primary") is None
        assert h.uow.services.get_by_name("checkout") is None


def test_export_writes_schedule_targets_by_name_and_applying_it_changes_nothing() -> None:
    h = PagingHarness()
    _apply(h, FILE)

    text = render_configuration(export_configuration(h.uow, h.clock))

    assert "- type: schedule\n        schedule: Primary" in text
    assert _apply(h, text) == []
    assert parse_configuration(text) == export_configuration(h.uow, h.clock)


def test_a_policy_made_by_the_api_with_a_schedule_exports_its_name() -> None:
    h = PagingHarness()
    alice = h.create_user("alice")
    rotation = LayerSpec([alice.id], "daily", 1, "2026-11-30T00:00", [])
    schedule = create_schedule(h.uow, h.clock, "Night shift", "UTC", [rotation])
    service = h.create_service("checkout")
    h.set_policy(service.id, [LevelSpec([TargetSpec("schedule", str(schedule.id))])])

    text = render_configuration(export_configuration(h.uow, h.clock))

    assert "schedule: Night shift" in text
    assert str(schedule.id) not in text
    assert _apply(h, text) == []


def test_a_renamed_schedule_target_is_shown_by_name_in_the_change() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    second = FILE.replace(
        "services:",
        "  - name: Backup\n    time_zone: UTC\n    layers:\n      - participants: [alice]\n"
        '        rotation: {type: daily, handoff: "2026-01-01T00:00"}\nservices:',
    ).replace("- schedule: Primary", "- schedule: Backup")

    changes = apply_configuration(h.uow, h.clock, parse_configuration(second))

    assert [c.fields for c in changes if c.subject == "escalation policy"] == [
        ("levels[0].targets[0]: schedule Primary -> schedule Backup",)
    ]


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("{type: schedule}", "targets[0].schedule (line 16): is required for a schedule target"),
        ("{schedule: ''}", "targets[0].schedule (line 16): must be a non-empty text value"),
        (
            "{schedule: Primary, email: a@example.com}",
            "targets[0].type (line 16): is required "
            "(one of email, sms, webhook, slack, teams, user, schedule)",
        ),
        ("{type: schedule, schedule: P, user: a}", "targets[0].user (line 16): does not belong"),
    ],
)
def test_a_malformed_schedule_target_is_named_with_its_line(target: str, problem: str) -> None:
    text = FILE.replace("- schedule: Primary", f"- {target}")

    with pytest.raises(InvalidConfiguration) as refused:
        parse_configuration(text)

    assert any(problem in str(p) for p in refused.value.problems), refused.value
