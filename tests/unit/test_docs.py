"""The documentation stands on its own: it cites only files in the repository, and its
install instructions install what a build really produces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pagerd

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_cites_only_documents_that_are_in_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    cited = set(re.findall(r"[\w./-]+\.md\b", text))

    missing = sorted(name for name in cited if not _exists(name, page))

    assert missing == [], f"{page.name} cites documents the repository does not have"
    assert "/work/" not in text


def _exists(name: str, page: Path) -> bool:
    return (ROOT / name).exists() or (page.parent / name).exists()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pip_install_is_only_ever_of_a_wheel_a_build_produces(page: Path) -> None:
    wheel = f"dist/pagerd-{pagerd.__version__}-py3-none-any.whl"
    installs = [
        line for line in page.read_text(encoding="utf-8").splitlines() if "pip install" in line
    ]

    for line in installs:
        assert "pip install pagerd" not in line, line  # no index serves pagerd
        if "pagerd" in line.split("pip install", 1)[1]:
            assert wheel in line, line
