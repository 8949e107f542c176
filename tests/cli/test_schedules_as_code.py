"""Schedules in `pagerd apply`, `pagerd export` and `pagerd check`, on SQLite."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.tables import audit_log
from tests.cli.conftest import Run

SCHEDULES = """\
schedules:
  - name: Primary
    time_zone: Europe/Berlin
    layers:
      - participants: [alice, bob]
        rotation: {type: weekly, shift_length: 1, handoff: "2026-01-05T09:00"}
    overrides:
      - {user: bob, start: "2026-12-24T18:00:00Z", end: "2026-12-27T09:00:00Z"}
  - name: Business hours
    time_zone: America/New_York
    layers:
      - participants: [alice]
        rotation: {type: daily, handoff: "2026-01-05T09:00"}
        restrictions:
          - {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "pagerd.yaml"
    path.write_text(text)
    return str(path)


def _users(run: Run, *names: str) -> None:
    for name in names:
        made = run("user", "create", name, "--password-stdin", input="a long passphrase\n")
        assert made.exit_code == 0, made.output


def test_apply_creates_schedules_and_overrides_and_a_second_apply_changes_nothing(
    migrated: Run, tmp_path: Path
) -> None:
    _users(migrated, "alice", "bob")
    path = _write(tmp_path, SCHEDULES)

    first = migrated("apply", "-f", path)
    second = migrated("apply", "-f", path)

    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "+ create schedule 'Primary': Europe/Berlin, 1 layer",
        "+ create override of 'Primary': bob 2026-12-24T18:00:00Z to 2026-12-27T09:00:00Z",
        "+ create schedule 'Business hours': America/New_York, 1 layer",
    ]
    assert second.exit_code == 0
    assert second.stdout == ""


def test_export_writes_schedules_back_in_the_format_apply_reads(
    migrated: Run, tmp_path: Path
) -> None:
    _users(migrated, "alice", "bob")
    migrated("apply", "-f", _write(tmp_path, SCHEDULES))

    exported = migrated("export").stdout
    again = migrated("apply", "-f", _write(tmp_path, exported))

    assert "participants:\n    - alice\n    - bob" in exported
    assert "start: '2026-12-24T18:00:00Z'" in exported
    assert again.exit_code == 0, again.output
    assert again.stdout == ""


def test_a_changed_rotation_replaces_the_layers_and_dropped_overrides_are_removed(
    migrated: Run, tmp_path: Path
) -> None:
    _users(migrated, "alice", "bob")
    migrated("apply", "-f", _write(tmp_path, SCHEDULES))
    changed = (
        SCHEDULES.replace("[alice, bob]", "[bob, alice]")
        .replace(
            '      - {user: bob, start: "2026-12-24T18:00:00Z", end: "2026-12-27T09:00:00Z"}\n', ""
        )
        .replace("    overrides:\n", "    overrides: []\n")
    )

    result = migrated("apply", "-f", _write(tmp_path, changed))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "~ update schedule 'Primary': Europe/Berlin, 1 layer",
        "- delete override of 'Primary': bob 2026-12-24T18:00:00Z to 2026-12-27T09:00:00Z",
    ]


def test_apply_refuses_a_schedule_naming_an_unknown_user_and_writes_nothing(
    migrated: Run, tmp_path: Path
) -> None:
    _users(migrated, "alice")

    result = migrated("apply", "-f", _write(tmp_path, SCHEDULES))

    assert result.exit_code != 0
    assert "no user named 'bob'" in result.output
    assert "schedules" not in migrated("export").stdout


def test_a_bad_schedule_is_reported_with_its_field_and_line(run: Run, tmp_path: Path) -> None:
    bad = SCHEDULES.replace("Europe/Berlin", "Mars/Olympus").replace('"09:00", end', '"9am", end')

    result = run("check", "-f", _write(tmp_path, bad))

    assert result.exit_code != 0
    assert "schedules[0].time_zone" in result.output
    assert "schedules[1].layers[0].restrictions[0].start" in result.output


def test_check_reports_when_a_declared_schedule_has_nobody_on_call(
    run: Run, tmp_path: Path
) -> None:
    path = _write(tmp_path, SCHEDULES)

    relaxed = run("check", "-f", path)
    strict = run("check", "-f", path, "--strict")

    assert relaxed.exit_code == 0, relaxed.output
    assert "schedule 'Business hours' has nobody on call:" in relaxed.stdout
    assert "'Primary'" not in relaxed.stdout
    assert "1 of 2 schedule(s) have gaps" in relaxed.stderr
    assert strict.exit_code == 1


def test_apply_writes_its_schedule_changes_in_its_one_audit_entry(
    migrated: Run, tmp_path: Path, sqlite_url: str
) -> None:
    _users(migrated, "alice", "bob")

    applied = migrated("apply", "-f", _write(tmp_path, SCHEDULES))

    assert applied.exit_code == 0, applied.output
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as db:
        rows = db.execute(
            sa.select(audit_log.c.actor_name, audit_log.c.after).where(
                audit_log.c.action == "configuration.applied"
            )
        ).all()
        others = db.execute(
            sa.select(audit_log.c.action).where(audit_log.c.action.like("schedule.%"))
        ).all()
    engine.dispose()
    [(actor, after)] = rows
    assert actor == "command line"
    assert [(c["action"], c["subject"], c["service_name"]) for c in after["changes"]] == [
        ("create", "schedule", "Primary"),
        ("create", "override", "Primary"),
        ("create", "schedule", "Business hours"),
    ]
    assert others == []  # one entry for the whole apply, not one per schedule


POLICY = """\
services:
  - name: checkout
    escalation_policy:
      levels:
        - targets:
            - schedule: Business hours
        - targets:
            - {type: schedule, schedule: Primary}
"""


def test_policies_page_schedules_by_name_and_export_round_trips(
    migrated: Run, tmp_path: Path
) -> None:
    _users(migrated, "alice", "bob")

    first = migrated("apply", "-f", _write(tmp_path, SCHEDULES + POLICY))
    exported = migrated("export").stdout
    again = migrated("apply", "-f", _write(tmp_path, exported))

    assert first.exit_code == 0, first.output
    assert "+ create escalation policy of 'checkout': 2 levels, 2 targets, repeat 0" in (
        first.stdout.splitlines()
    )
    assert "- type: schedule\n        schedule: Business hours" in exported
    assert "schedule_id" not in exported
    assert again.exit_code == 0, again.output
    assert again.stdout == ""


def test_apply_refuses_a_policy_naming_an_unknown_schedule_and_writes_nothing(
    migrated: Run, tmp_path: Path
) -> None:
    _users(migrated, "alice", "bob")
    text = SCHEDULES + POLICY.replace("schedule: Primary", "schedule: Tertiary")

    result = migrated("apply", "-f", _write(tmp_path, text))

    assert result.exit_code != 0
    assert "names schedule 'Tertiary', which does not exist" in result.output
    assert migrated("export").stdout.count("name:") == 2  # the two users, nothing else


def test_check_names_the_services_paging_a_gapped_schedule_and_undeclared_ones(
    run: Run, tmp_path: Path
) -> None:
    text = SCHEDULES + POLICY.replace("schedule: Primary", "schedule: Tertiary")
    path = _write(tmp_path, text)

    relaxed = run("check", "-f", path)
    strict = run("check", "-f", path, "--strict")

    assert relaxed.exit_code == 0, relaxed.output
    assert "schedule 'Business hours' (paged by 'checkout') has nobody on call:" in relaxed.stdout
    assert (
        "service 'checkout' pages schedule 'Tertiary', which this file does not declare: "
        "apply needs it to exist already"
    ) in relaxed.stdout
    assert strict.exit_code == 1


def test_check_refuses_a_malformed_schedule_target(run: Run, tmp_path: Path) -> None:
    text = SCHEDULES + POLICY.replace("{type: schedule, schedule: Primary}", "{type: schedule}")

    result = run("check", "-f", _write(tmp_path, text))

    assert result.exit_code != 0
    assert "levels[1].targets[0].schedule (line 23): is required for a schedule target" in (
        result.output
    )
