"""Running the real `pagerd serve` for a benchmark: databases, processes, memory.

A benchmark gets a fresh database (a SQLite file in a temporary directory, or a PostgreSQL
database created for it and dropped afterwards), migrates it, seeds it with bulk SQL, then
starts `pagerd serve` as a subprocess and samples its resident memory while it runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pagerd.testing import serve_process
from pagerd.testing.serve_process import ADMIN_TOKEN as ADMIN_TOKEN
from pagerd.testing.serve_process import RunningPagerd, children, wait_ready
from pagerd.testing.serve_process import free_port as free_port

POSTGRES_ENV = "PAGERD_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES)


@contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """A migrated, empty pagerd database URL on `backend` ("sqlite" or "postgres")."""
    from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head

    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade_to_head(url)
        yield url
        return
    import psycopg

    base = postgres_base_url()
    name = f"pagerd_bench_{uuid.uuid4().hex[:10]}"
    admin = base.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{base.rpartition('/')[0]}/{name}"
    try:
        upgrade_to_head(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pagerd-bench-") as path:
        yield Path(path)


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Resident set size of a process and its direct children, summed (a `pagerd serve`
    whose workers run in a child process is both)."""
    return rss_bytes(pid) + sum(rss_bytes(child) for child in children(pid))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@dataclass
class MemoryWatch:
    """Samples the RSS of some processes (each with its children) every `interval` seconds
    on a thread; keeps the peak."""

    interval: float = 0.25
    peak_bytes: int = 0
    _pids: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def watch(self, pid: int) -> None:
        self._pids.append(pid)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for pid in list(self._pids):
                self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(pid))

    @property
    def peak_mb(self) -> float:
        return round(self.peak_bytes / 1e6, 1)


# The benchmarks measure capacity: per-token rate limits (a guard against runaway senders, on
# by default) would answer 429 long before it.
BENCH_ENV = {
    "PAGERD_SECRET_KEY": "bench-secret-key-bench-secret-key",
    "PAGERD_API_RATE_PER_MINUTE": "0",
    "PAGERD_INGEST_RATE_PER_MINUTE": "0",
}


SERVE_PATH_ENV = "PAGERD_BENCH_SERVE_PATH"


def bench_env(env: dict[str, str] | None) -> dict[str, str]:
    """BENCH_ENV with `env` on top; `pagerd serve` imports first from PAGERD_BENCH_SERVE_PATH
    when it is set (another commit's `src`, to compare it in the same run's conditions)."""
    serve_path = os.environ.get(SERVE_PATH_ENV)
    extra = {"PYTHONPATH": serve_path} if serve_path else {}
    return {**BENCH_ENV, **extra, **(env or {})}


def start_pagerd(
    database_url: str,
    directory: Path,
    *,
    workers: bool = True,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> RunningPagerd:
    """`pagerd serve` set up for a benchmark (BENCH_ENV, then `env`), ready on /readyz."""
    return serve_process.start_pagerd(
        database_url, directory, workers=workers, env=bench_env(env), port=port
    )


@contextmanager
def pagerd_running(
    database_url: str,
    directory: Path,
    memory: MemoryWatch | None = None,
    *,
    workers: bool = True,
    env: dict[str, str] | None = None,
) -> Iterator[RunningPagerd]:
    """`start_pagerd` for a `with` block, its memory watched by `memory`; stopped at its end."""
    with serve_process.pagerd_process(
        database_url, directory, workers=workers, env=bench_env(env)
    ) as running:
        if memory is not None:
            memory.watch(running.process.pid)
        yield running


@contextmanager
def baseline_running(
    directory: Path, memory: MemoryWatch | None = None, kind: str = "pagerd-stack"
) -> Iterator[str]:
    """A bare-endpoint server (bench/baseline.py, of `kind`) on a free port; yields its
    base URL."""
    port = free_port()
    log_path = directory / f"baseline-{kind}-{port}.log"
    args = [sys.executable, "-m", "bench.baseline", "--port", str(port), "--kind", kind]
    root = Path(__file__).resolve().parent.parent
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(args, cwd=root, stdout=log_file, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url, process, log_path)
        if memory is not None:
            memory.watch(process.pid)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
