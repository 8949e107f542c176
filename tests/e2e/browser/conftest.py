"""A real browser on a real server: Debian's Chromium, headless, driven by Playwright.

The console is served by uvicorn in a background thread on a free loopback port, over a
Container on SQLite (see console_app.py). The tests skip, saying why, when Chromium or
Playwright is missing. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from pagerd.testing.serve_process import free_port
from tests.e2e.browser.console_app import ConsoleApp, sqlite_factory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


class ServedConsole:
    """A ConsoleApp served over HTTP on 127.0.0.1, and its base URL."""

    def __init__(self, console: ConsoleApp) -> None:
        self.console = console
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(console.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> ServedConsole:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the console server did not start")
            time.sleep(0.02)  # waiting for a real server thread, not for time to pass
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedConsole]:
    """The console on SQLite with the dev outbox, served for a browser."""
    factory, dispose = sqlite_factory(f"sqlite:///{tmp_path / 'browser.db'}")
    try:
        with ServedConsole(ConsoleApp(factory, dev_outbox=True)) as served:
            yield served
    finally:
        dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, or a skip that says what is missing."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def screenshot(page: Any, name: str) -> Path:
    """Save the page, whole, under artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
