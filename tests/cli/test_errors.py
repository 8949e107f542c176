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
        (
            "sqlite://pagerd.db",
            "a SQLite URL has three before a relative path (sqlite:///pagerd.db)",
        ),
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


def test_a_database_in_a_missing_directory_says_to_create_the_directory(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such"
    monkeypatch.setenv("PAGERD_DATABASE_URL", f"sqlite:///{missing / 'pagerd.db'}")

    listed = run("token", "list")
    migrated = run("migrate")

    for result in (listed, migrated):
        assert result.exit_code == 1
        assert f"mkdir -p {missing}" in result.stderr
        assert "Traceback" not in result.output
    missing.mkdir(parents=True)
    assert run("migrate").exit_code == 0
    assert run("token", "list").exit_code == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('PAGERD_DATABASE_URL = "sqlite:///./x.db"', "write database_url = ..."),
        ('[pagerd]\ndatabase_url = "sqlite:///./x.db"', "[pagerd] is a table"),
    ],
)
def test_a_pagerd_toml_pagerd_would_ignore_stops_every_command(
    run: Run, tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "pagerd.toml").write_text(content + "\n")

    result = run("migrate")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: pagerd.toml is not valid:")
    assert expected in result.stderr
    assert not (tmp_path / "x.db").exists()
