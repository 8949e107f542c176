"""Running the real `pagerd` application in-process, on a database of the test's own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pagerd.entrypoints.cli.main import app

Run = Callable[..., Result]


@pytest.fixture
def run(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`run("token", "list", input=...)` invokes `pagerd token list` with PAGERD_DATABASE_URL
    set to a fresh SQLite file, from an empty directory (no stray .env or pagerd.toml)."""
    monkeypatch.chdir(tmp_path)
    for name in ("PAGERD_ADMIN_TOKEN", "PAGERD_LOG_FORMAT", "PAGERD_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAGERD_DATABASE_URL", sqlite_url)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


@pytest.fixture
def migrated(run: Run) -> Run:
    """`run`, on a database already at the newest schema."""
    result = run("migrate")
    assert result.exit_code == 0, result.output
    return run
