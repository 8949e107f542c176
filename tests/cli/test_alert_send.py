"""`pagerd alert send` through the real application."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run


def _with_service(run: Run, tmp_path: Path, policy: bool = True) -> None:
    text = "services:\n  - name: checkout\n"
    if policy:
        text += (
            "    escalation_policy:\n      levels:\n"
            "        - targets: [{type: email, email: alice@example.com}]\n"
        )
    (tmp_path / "p.yaml").write_text(text)
    assert run("apply", "-f", str(tmp_path / "p.yaml")).exit_code == 0


def test_an_alert_for_a_healthy_service_opens_an_incident(migrated: Run, tmp_path: Path) -> None:
    _with_service(migrated, tmp_path)

    result = migrated("alert", "send", "--service", "checkout", "--message", "checkout is down")

    assert result.exit_code == 0
    assert result.stdout.startswith("Opened alert ")
    assert "level 0" in result.stdout


def test_a_second_alert_joins_the_incident_under_way(migrated: Run, tmp_path: Path) -> None:
    _with_service(migrated, tmp_path)
    migrated("alert", "send", "-s", "checkout", "-m", "down", "--dedup-key", "a")

    result = migrated("alert", "send", "-s", "checkout", "-m", "still down", "--dedup-key", "b")

    assert result.exit_code == 0
    assert "Joined the incident under way" in result.stdout


def test_an_alert_for_a_service_without_policy_says_nobody_is_paged(
    migrated: Run, tmp_path: Path
) -> None:
    _with_service(migrated, tmp_path, policy=False)

    result = migrated("alert", "send", "-s", "checkout", "-m", "down")

    assert result.exit_code == 0
    assert "nobody is paged" in result.stdout


def test_an_alert_for_an_unknown_service_fails_with_exit_code_1(migrated: Run) -> None:
    result = migrated("alert", "send", "-s", "nope", "-m", "down")

    assert result.exit_code == 1
    assert "no service is named 'nope'" in result.stderr


def test_a_missing_message_is_a_usage_error(migrated: Run) -> None:
    result = migrated("alert", "send", "-s", "checkout")

    assert result.exit_code == 2
    assert "--message" in result.stderr
