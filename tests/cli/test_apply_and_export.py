"""`pagerd apply` and `pagerd export` through the real application, on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Run

FILE = """\
services:
  - name: checkout
    escalation_policy:
      levels:
        - ack_timeout_seconds: 300
          targets:
            - {type: email, email: alice@example.com}
            - {type: sms, phone_number: +5492664295169}
  - name: search
"""


def _write(tmp_path: Path, text: str, name: str = "pagerd.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_apply_prints_its_changes_and_a_second_apply_reports_none(
    migrated: Run, tmp_path: Path
) -> None:
    path = _write(tmp_path, FILE)

    first = migrated("apply", "-f", path)
    second = migrated("apply", "-f", path)

    assert first.exit_code == 0
    assert first.stdout.splitlines() == [
        "+ create service 'checkout'",
        "+ create escalation policy of 'checkout': 1 level, 2 targets, repeat 0",
        "+ create service 'search'",
    ]
    assert "Applied 3 changes." in first.stderr
    assert second.exit_code == 0
    assert second.stdout == ""
    assert "No changes" in second.stderr


def test_a_dry_run_prints_the_changes_and_writes_nothing(migrated: Run, tmp_path: Path) -> None:
    path = _write(tmp_path, FILE)

    dry = migrated("apply", "-f", path, "--dry-run")
    exported = migrated("export")

    assert dry.exit_code == 0
    assert len(dry.stdout.splitlines()) == 3
    assert "nothing was written" in dry.stderr
    assert "services: []" in exported.stdout


def test_export_writes_a_file_that_applies_without_change(migrated: Run, tmp_path: Path) -> None:
    migrated("apply", "-f", _write(tmp_path, FILE))
    out = tmp_path / "exported.yaml"

    exported = migrated("export", "-o", str(out))
    again = migrated("apply", "-f", str(out))

    assert exported.exit_code == 0
    assert "phone_number: '+5492664295169'" in out.read_text()
    assert again.exit_code == 0
    assert again.stdout == ""


def test_apply_reads_stdin_when_the_file_is_a_dash(migrated: Run) -> None:
    result = migrated("apply", "-f", "-", input="services:\n  - name: from-stdin\n")

    assert result.exit_code == 0
    assert result.stdout == "+ create service 'from-stdin'\n"


def test_an_invalid_file_names_the_field_and_line_and_changes_nothing(
    migrated: Run, tmp_path: Path
) -> None:
    path = _write(tmp_path, FILE.replace("alice@example.com", "alice"))

    result = migrated("apply", "-f", path)

    assert result.exit_code == 1
    assert (
        "services[0].escalation_policy.levels[0].targets[0].email (line 7): "
        "must be an e-mail address" in result.stderr
    )
    assert "Traceback" not in result.output
    assert "services: []" in migrated("export").stdout


def test_a_yaml_syntax_error_names_the_line(migrated: Run, tmp_path: Path) -> None:
    path = _write(tmp_path, "services:\n  - name: a\n   bad indentation: [\n")

    result = migrated("apply", "-f", path)

    assert result.exit_code == 1
    assert f"{path} is not a valid pagerd configuration" in result.stderr
    assert "line 3" in result.stderr


def test_a_missing_file_fails_with_exit_code_1(migrated: Run, tmp_path: Path) -> None:
    result = migrated("apply", "-f", str(tmp_path / "nowhere.yaml"))

    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_prune_deletes_undeclared_services_but_not_one_in_incident(
    migrated: Run, tmp_path: Path
) -> None:
    migrated("apply", "-f", _write(tmp_path, FILE))
    migrated("alert", "send", "--service", "search", "--message", "search is down")
    only_checkout = _write(tmp_path, FILE.replace("  - name: search\n", ""), "small.yaml")

    refused = migrated("apply", "-f", only_checkout, "--prune")
    without_prune = migrated("apply", "-f", only_checkout)

    assert refused.exit_code == 1
    assert "refusing to delete 'search'" in refused.stderr
    assert without_prune.stdout == ""
    assert "name: search" in migrated("export").stdout


def test_prune_removes_a_service_the_file_no_longer_declares(migrated: Run, tmp_path: Path) -> None:
    migrated("apply", "-f", _write(tmp_path, FILE))
    only_checkout = _write(tmp_path, FILE.replace("  - name: search\n", ""), "small.yaml")

    result = migrated("apply", "-f", only_checkout, "--prune")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "- delete service 'search': with its policy and past alerts"
    ]
    assert "search" not in migrated("export").stdout


def test_the_commands_work_the_same_on_postgresql(
    run: Run, postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PAGERD_DATABASE_URL", postgres_url)
    refused = run("export")
    assert run("migrate").exit_code == 0
    path = _write(tmp_path, FILE)

    applied = run("apply", "-f", path)
    again = run("apply", "-f", path)
    sent = run("alert", "send", "-s", "checkout", "-m", "down")

    assert refused.exit_code == 1
    assert "no pagerd schema yet" in refused.stderr
    assert applied.exit_code == 0
    assert len(applied.stdout.splitlines()) == 3
    assert again.stdout == ""
    assert sent.exit_code == 0
    assert "name: checkout" in run("export").stdout


def test_apply_prints_each_changed_field_with_its_old_and_new_value(
    migrated: Run, tmp_path: Path
) -> None:
    migrated("apply", "-f", _write(tmp_path, FILE))
    slower = _write(tmp_path, FILE.replace("300", "600"), "slower.yaml")

    result = migrated("apply", "-f", slower)

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "~ update escalation policy of 'checkout':",
        "    levels[0].ack_timeout_seconds: 300 -> 600",
    ]


def test_a_pruning_dry_run_lists_what_it_would_delete_even_a_service_in_incident(
    migrated: Run, tmp_path: Path
) -> None:
    migrated("apply", "-f", _write(tmp_path, FILE))
    migrated("alert", "send", "-s", "search", "-m", "search is down")
    only_checkout = _write(tmp_path, FILE.replace("  - name: search\n", ""), "small.yaml")

    result = migrated("apply", "-f", only_checkout, "--prune", "--dry-run")

    assert result.exit_code == 0
    assert result.stdout.startswith("- delete service 'search': with its policy and past alerts")
    assert "REFUSED on apply" in result.stdout
    assert "nothing was written" in result.stderr


def test_export_with_secrets_lets_a_new_database_accept_the_same_integration_keys(
    migrated: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated("apply", "-f", _write(tmp_path, FILE))
    secret_file = tmp_path / "with-keys.yaml"
    exported = migrated("export", "--include-secrets", "-o", str(secret_file))
    plain = migrated("export").stdout
    monkeypatch.setenv("PAGERD_DATABASE_URL", f"sqlite:///{tmp_path / 'rebuilt.db'}")
    migrated("migrate")

    applied = migrated("apply", "-f", str(secret_file))

    assert exported.exit_code == 0
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert "integration_key" not in plain
    assert applied.exit_code == 0
    assert migrated("export", "--include-secrets").stdout == secret_file.read_text()
