"""The import rules (pyproject's [tool.importlinter], run by ./scripts/check) hold on the
tree, and a wrong-way import planted in a copy of the package breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first: the copy's `pagerd`, not the installed one, is the one analysed.
    # A wide terminal: one line per contract in the summary.
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "COLUMNS": "250"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package and its import contracts."""
    shutil.copytree(
        ROOT / "src" / "pagerd",
        tmp_path / "src" / "pagerd",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _plant(tree: Path, module: str, line: str) -> None:
    path = tree / "src" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_tree_keeps_every_import_rule(tree: Path) -> None:
    result = _lint(tree)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("pagerd.domain.alert", "import pagerd.service_layer.ports", "The domain imports"),
        ("pagerd.domain.policy", "import sqlalchemy", "The domain imports"),
        ("pagerd.service_layer.alerts", "from pagerd.config import Settings", "service layer"),
        ("pagerd.service_layer.users", "import argon2", "service layer"),
        ("pagerd.service_layer.paging", "import httpx", "service layer"),
        ("pagerd.service_layer.ports", "import sqlalchemy", "service layer"),
        ("pagerd.adapters.clock", "import pagerd.entrypoints.server", "Adapters import no"),
        ("pagerd.adapters.metrics", "import pagerd.service_layer.alerts", "only through its ports"),
        ("pagerd.entrypoints.demo", "import pagerd.testing.harness", "Layers"),
        # server imports the workers: the workers importing server is a cycle.
        ("pagerd.entrypoints.workers.process", "import pagerd.entrypoints.server", "No cycles"),
    ],
)
def test_a_wrong_way_import_breaks_the_check(
    tree: Path, module: str, line: str, broken: str
) -> None:
    _plant(tree, module, line)

    result = _lint(tree)

    assert result.returncode != 0
    broken_lines = [s for s in result.stdout.splitlines() if " BROKEN" in s]
    assert any(broken in s for s in broken_lines), result.stdout
