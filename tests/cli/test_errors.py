"""Failures say what to do, on stderr, without a traceback, with exit code 1 (2 for usage)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://db.example.com/pagerd", "unsupported database 'mysql'"),
        ("sqlite://", "in-memory SQLite"),
    ],
)
def test_a_bad_database_url_is_explained(
    run: Run, monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("PAGERD_DATABASE_URL", url)

    result = run("migrate")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: PAGERD_DATABASE_URL: ")
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_explained(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGERD_DATABASE_URL", "postgresql://pagerd:secret@127.0.0.1:1/pagerd")

    result = run("token", "list")

    assert result.exit_code == 1
    assert "cannot open the database" in result.stderr
    assert "Check PAGERD_DATABASE_URL" in result.stderr
    assert "secret" not in result.stderr


def test_an_invalid_setting_names_its_variable(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGERD_SMTP_PORT", "twenty-five")

    result = run("token", "list")

    assert result.exit_code == 1
    assert "invalid configuration: PAGERD_SMTP_PORT" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("token", "list"),
        ("export",),
        ("alert", "send", "-s", "x", "-m", "y"),
        ("worker",),
    ],
)
def test_commands_other_than_serve_and_migrate_refuse_a_database_without_schema(
    run: Run, command: tuple[str, ...], tmp_path: Path
) -> None:
    result = run(*command)

    assert result.exit_code == 1
    assert "run `pagerd migrate`" in result.stderr
    assert not (tmp_path / "pagerd.db").exists()  # nothing was created by asking


def test_a_database_at_an_older_schema_is_refused_until_migrated(run: Run, sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('0000')")

    result = run("token", "list")

    assert result.exit_code == 1
    assert "schema is at revision 0000" in result.stderr
    assert "run `pagerd migrate`" in result.stderr


def test_an_empty_database_file_is_refused_until_migrated(run: Run, sqlite_url: str) -> None:
    sqlite3.connect(sqlite_url.removeprefix("sqlite:///")).close()

    result = run("export")

    assert result.exit_code == 1
    assert "no pagerd schema yet" in result.stderr


def test_an_unknown_command_is_a_usage_error(run: Run) -> None:
    result = run("frobnicate")

    assert result.exit_code == 2
    assert "No such command" in result.stderr
