"""Maintenance windows and heartbeats in `pagerd apply`, `pagerd export` and `pagerd check`,
on SQLite: round trips, and the ping token never leaves the database through a file."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.tables import heartbeats
from tests.cli.conftest import Run

FILE = """\
services:
  - name: backups
    maintenance_windows:
      - {start: "2099-12-24T18:00:00+01:00", end: "2099-12-27T09:00:00+01:00", reason: move}
    heartbeats:
      - {name: nightly-backup, interval_seconds: 86400, grace_seconds: 3600}
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "pagerd.yaml"
    path.write_text(text)
    return str(path)


def test_apply_then_export_round_trips_windows_and_heartbeats_without_the_ping_token(
    migrated: Run, tmp_path: Path, sqlite_url: str
) -> None:
    first = migrated("apply", "-f", _write(tmp_path, FILE))
    exported = migrated("export", "--include-secrets").stdout
    again = migrated("apply", "-f", _write(tmp_path, exported))

    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "+ create service 'backups'",
        "+ create maintenance window of 'backups': 2099-12-24T17:00:00Z to 2099-12-27T08:00:00Z",
        "+ create heartbeat of 'backups': nightly-backup, every 86400 s, grace 3600 s",
    ]
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        [token] = connection.execute(sa.select(heartbeats.c.ping_token)).scalars()
    engine.dispose()
    assert token not in exported
    assert token not in first.output
    assert "reason: move" in exported
    assert again.exit_code == 0, again.output
    assert again.stdout == ""


def test_check_reports_a_window_ending_before_it_starts(run: Run, tmp_path: Path) -> None:
    bad = FILE.replace("2099-12-27T09:00:00+01:00", "2099-12-24T09:00:00+01:00")

    result = run("check", "-f", _write(tmp_path, bad))

    assert result.exit_code != 0
    assert "services[0].maintenance_windows[0].end (line 4): must be after start" in result.output
