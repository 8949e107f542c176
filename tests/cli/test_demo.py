"""`pagerd demo` through the real application."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Run


def test_demo_plays_an_incident_without_a_database(run: Run) -> None:
    pytest.importorskip("pagerd.entrypoints.demo")

    result = run("demo")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() != ""
