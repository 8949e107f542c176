"""The real `pagerd serve` as a subprocess, for end-to-end tests and benchmarks over HTTP.

`start_pagerd` starts it on a free port (or a given one: passing the port of a killed
process restarts pagerd at the same address), with PAGERD_ADMIN_TOKEN set to `ADMIN_TOKEN`
and JSON logs in a file of the working directory, and returns once /readyz answers 200.
`pagerd_process` does the same for the length of a `with` block, then stops it gracefully.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ADMIN_TOKEN = "test-admin-token"  # noqa: S105 -- for test processes only, not a secret
STARTUP_DEADLINE = 120.0  # a shared, loaded 2-core machine: two interpreters start in process mode


PORTS_FIRST = 20000
"""Ports handed out by `free_port` lie below Linux's ephemeral range (32768 and up), where
the kernel picks the local ports of outgoing connections and of `bind(0)`."""
PORTS_PER_PROCESS = 1000
PORT_BLOCKS = 12  # 20000 to 31999
_next_port: int | None = None


def free_port() -> int:
    """A TCP port nothing listens on right now (on 127.0.0.1).

    Taken in turn from a block of ports of this process's own: one per pytest-xdist worker
    (PYTEST_XDIST_WORKER), at a random place in it (two runs at once rarely meet), outside
    the ephemeral range. So the port is not taken by a client connection or another worker
    between this call and the server's bind, and not soon again by this process: a server
    killed and restarted at its port finds the port still unused.
    """
    global _next_port
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) if worker.isdigit() else 0
    block = PORTS_FIRST + index % PORT_BLOCKS * PORTS_PER_PROCESS
    if _next_port is None:
        _next_port = random.randrange(PORTS_PER_PROCESS)  # noqa: S311 -- not a secret
    for _ in range(PORTS_PER_PROCESS):
        port = block + _next_port
        _next_port = (_next_port + 1) % PORTS_PER_PROCESS
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or lingering after a recent connection
            return port
    raise RuntimeError(f"no free port in {block}..{block + PORTS_PER_PROCESS - 1}")


def children(pid: int) -> list[int]:
    """The processes `pid` started and that still run (`pagerd serve`'s worker process), from
    /proc: each of its threads lists those it started."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return found


@dataclass
class RunningPagerd:
    """A `pagerd serve` process and a way to talk to it."""

    process: subprocess.Popen[bytes]
    base_url: str
    port: int
    log_path: Path

    def client(self) -> httpx.Client:
        """An HTTP client for the API, signed in with the admin token."""
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30.0,
        )

    def kill(self) -> None:
        """SIGKILL of the process and of its worker process (PAGERD_WORKERS=process), as the
        end of a container, an out-of-memory kill of its group or a host crash would do:
        nothing graceful happens. (SIGKILL of `pagerd serve` alone lets its worker process
        stop gracefully by itself.)"""
        if self.process.poll() is None:
            workers = children(self.process.pid)
            self.process.send_signal(signal.SIGKILL)
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then wait for the graceful shutdown (SIGKILL after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        """What the process wrote so far (stdout and stderr)."""
        return self.log_path.read_text(errors="replace")


def start_pagerd(
    database_url: str,
    workdir: Path,
    *,
    workers: bool = True,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> RunningPagerd:
    """Start `pagerd serve` in `workdir` on `port` (a free one by default) and wait until
    /readyz answers 200. `env` adds to (or overrides) the variables it starts with."""
    port = port or free_port()
    # A log of its own per process, so that restarting at the same port keeps the first one.
    log_path = workdir / f"pagerd-{port}-{uuid.uuid4().hex[:4]}.log"
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
        process = subprocess.Popen(  # noqa: S603 -- this interpreter, fixed arguments
            args, cwd=workdir, env=full_env, stdout=log_file, stderr=subprocess.STDOUT
        )
    running = RunningPagerd(process, f"http://127.0.0.1:{port}", port, log_path)
    wait_ready(running.base_url, process, log_path)
    return running


@contextmanager
def pagerd_process(
    database_url: str,
    workdir: Path,
    *,
    workers: bool = True,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[RunningPagerd]:
    """`start_pagerd` for the length of a `with` block; stopped gracefully at its end."""
    running = start_pagerd(database_url, workdir, workers=workers, env=env, port=port)
    try:
        yield running
    finally:
        running.stop()


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Poll `{base_url}/readyz` until it answers 200; kill the process (and raise, with its
    log) if it exits or is not ready within STARTUP_DEADLINE seconds."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=30)
    raise RuntimeError(
        f"not ready in {STARTUP_DEADLINE} s:\n{log_path.read_text(errors='replace')}"
    )


@dataclass
class RunningWorker:
    """A `pagerd worker` process."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: nothing graceful happens."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then wait for the graceful stop (SIGKILL after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(
    database_url: str, workdir: Path, *, env: dict[str, str] | None = None
) -> RunningWorker:
    """Start `pagerd worker` in `workdir` (the schema must be at head) and wait until it
    logs that its workers run."""
    log_path = workdir / f"worker-{uuid.uuid4().hex[:8]}.log"
    full_env = {
        **os.environ,
        "PAGERD_DATABASE_URL": database_url,
        "PAGERD_LOG_FORMAT": "json",
        **(env or {}),
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "pagerd", "worker"],
            cwd=workdir,
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + STARTUP_DEADLINE
    while "pagerd worker is running" not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=30)
            raise RuntimeError(f"worker did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    return RunningWorker(process, log_path)
