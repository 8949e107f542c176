"""Starting the real `pagerd serve` as a subprocess, for end-to-end tests over HTTP only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ADMIN_TOKEN = "e2e-admin-token"
STARTUP_DEADLINE = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class RunningPagerd:
    """A pagerd process and a way to talk to it."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30.0,
        )

    def kill(self) -> None:
        """SIGKILL: no graceful anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then wait for the graceful shutdown."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def port(self) -> int:
        """The TCP port this process listens on."""
        return int(self.base_url.rsplit(":", 1)[1])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_pagerd(
    database_url: str,
    workdir: Path,
    workers: bool = True,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> RunningPagerd:
    """Start `pagerd serve` on `port` (a free one by default) and wait until /readyz answers
    200. Passing the port of a killed process restarts pagerd at the same address."""
    port = port or free_port()
    log_path = workdir / f"pagerd-{port}.log"
    full_env = {
        **os.environ,
        "PAGERD_DATABASE_URL": database_url,
        "PAGERD_ADMIN_TOKEN": ADMIN_TOKEN,
        "PAGERD_LOG_FORMAT": "json",
        **(env or {}),
    }
    args = [sys.executable, "-m", "pagerd", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if not workers:
        args.append("--no-workers")
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            args, cwd=workdir, env=full_env, stdout=log_file, stderr=subprocess.STDOUT
        )
    running = RunningPagerd(process, f"http://127.0.0.1:{port}", log_path)
    _wait_ready(running)
    return running


def _wait_ready(running: RunningPagerd) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"pagerd exited early:\n{running.log()}")
        try:
            if httpx.get(f"{running.base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    running.kill()
    raise RuntimeError(f"pagerd was not ready in {STARTUP_DEADLINE} s:\n{running.log()}")


@contextmanager
def pagerd_process(
    database_url: str, workdir: Path, workers: bool = True, env: dict[str, str] | None = None
) -> Iterator[RunningPagerd]:
    running = start_pagerd(database_url, workdir, workers, env)
    try:
        yield running
    finally:
        running.stop()


def wait_for(
    probe: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1, what: str = ""
) -> Any:
    """Poll `probe` until it returns something truthy; fail after `timeout` seconds.

    End-to-end tests watch a real process with real time, so they poll; unit tests never do.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or probe}")
        time.sleep(interval)
