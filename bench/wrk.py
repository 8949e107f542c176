"""Driving wrk (Debian's `wrk` package, a C load generator) with a body per request.

A generated Lua script reads service ids from a file and posts `POST /api/v1/alerts` with
the next id for every request: thread t of T sends ids t, t+T, t+2T, ... (from `offset`),
so with enough ids no service gets two alerts. wrk runs pinned to CPU 0 (`taskset`), and its
own CPU time is measured, to show the load generator is not what limits the rate.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.process import ADMIN_TOKEN

_SCRIPT = """
local ids = {}
for line in io.lines("%(ids_path)s") do ids[#ids + 1] = line end
local n = #ids
local counter = 0
local threads = {}
tid = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"

function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

function request()
  local i = (%(offset)d + tid + counter * %(threads)d) %% n + 1
  counter = counter + 1
  local body = '{"monitored_service_id":"' .. ids[i] .. '","message":"bench alert ' ..
    tid .. '-' .. counter .. '"}'
  return wrk.format(nil, "/api/v1/alerts", nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    errors: int  # socket errors, timeouts and non-2xx answers
    p50_ms: float
    p99_ms: float
    wrk_cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def wrk_cpu_share(self) -> float:
        """Fraction of one core wrk used while running."""
        return self.wrk_cpu_seconds / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    return found


def run_wrk(
    base_url: str,
    ids: list[str],
    directory: Path,
    *,
    seconds: float,
    connections: int = 16,
    threads: int = 1,
    offset: int = 0,
) -> WrkResult:
    """Post alerts to `base_url` for `seconds`, cycling through `ids`; parse wrk's summary."""
    ids_path = directory / f"ids-{offset}-{time.monotonic_ns()}.txt"
    ids_path.write_text("\n".join(ids) + "\n")
    script = directory / f"post-{offset}-{time.monotonic_ns()}.lua"
    script.write_text(
        _SCRIPT % {"ids_path": ids_path, "token": ADMIN_TOKEN, "offset": offset, "threads": threads}
    )
    args = [
        "taskset",
        "-c",
        "0",
        require_wrk(),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        base_url,
    ]
    before = _children_cpu()
    completed = subprocess.run(args, capture_output=True, text=True, check=True)
    wrk_cpu = _children_cpu() - before
    line = next(x for x in completed.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        wrk_cpu_seconds=wrk_cpu,
    )


def run_wrk_parallel(
    targets: list[str], ids: list[str], directory: Path, *, seconds: float, connections: int
) -> list[WrkResult]:
    """One wrk per base URL at the same time, each on its own slice of `ids`."""
    share = len(ids) // len(targets)
    with ThreadPoolExecutor(len(targets)) as pool:
        futures = [
            pool.submit(
                run_wrk,
                url,
                ids[i * share : (i + 1) * share],
                directory,
                seconds=seconds,
                connections=connections,
                offset=0,
            )
            for i, url in enumerate(targets)
        ]
        return [f.result() for f in futures]


def _children_cpu() -> float:
    import os

    times = os.times()
    return times.children_user + times.children_system
