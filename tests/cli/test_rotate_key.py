"""`pagerd service rotate-key`: a new key printed once, the old one kept for the overlap."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.cli.conftest import Run


def _current_key(sqlite_url: str) -> str:
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        key = connection.exec_driver_sql("SELECT integration_key FROM services").scalar_one()
    engine.dispose()
    return str(key)


def test_rotate_key_prints_the_new_key_and_keeps_the_old_one_for_the_overlap(
    migrated: Run, tmp_path: Path, sqlite_url: str
) -> None:
    (tmp_path / "pagerd.yaml").write_text("services:\n  - name: checkout\n")
    assert migrated("apply", "-f", str(tmp_path / "pagerd.yaml")).exit_code == 0
    old = _current_key(sqlite_url)

    result = migrated("service", "rotate-key", "checkout", "--overlap-hours", "2")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == _current_key(sqlite_url) != old
    assert "keeps working until" in result.stderr


def test_rotate_key_of_an_unknown_service_fails_clearly(migrated: Run) -> None:
    result = migrated("service", "rotate-key", "nope")

    assert result.exit_code != 0
    assert "no service is named 'nope'" in result.output
