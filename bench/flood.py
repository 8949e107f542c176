"""Benchmark `flood`: 5,000 new incidents (`--quick`: 1,000) from 32 keep-alive clients, each
paging one e-mail target through a local SMTP server, the dispatcher in the same process.

Alert i is for service i, a healthy service of its own whose level 0 pages one e-mail
address (through `PAGERD_SMTP_HOST`, a local aiosmtpd). The clients post as fast as they are
answered. Figures: accepted alerts/s; per alert, the time from its 202 answer to the e-mail's
arrival at the receiver (p50, p99, max): how long a page waits while the storm goes on; and
every page delivered exactly once (counted at the receiver by Message-ID and by alert).
Baseline: the same client against the bare Starlette endpoint in the same run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from bench.client import closed_loop, percentile
from bench.process import MemoryWatch, baseline_running, fresh_database, pagerd_running
from bench.receivers import Arrivals, smtp_server
from bench.report import Result, ratio
from bench.seed import scalar, seed_services

CLIENTS = 32
P99_TARGET_S = 2.0  # on SQLite


def _size(quick: bool) -> int:
    return 1_000 if quick else 5_000


def flood(
    base_url: str, work: Sequence[tuple[str, int]], clients: int
) -> tuple[float, dict[int, float], dict[int, int]]:
    """Post every (service id, number) of `work` from `clients` keep-alive threads as fast
    as answered; returns (seconds, answer time of each 202 by number, statuses)."""
    run = closed_loop(base_url, [(service_id, f"bench-{n}") for service_id, n in work], clients)
    answered = {int(message.removeprefix("bench-")): at for message, at in run.answered.items()}
    return run.seconds, answered, run.statuses


def _wait_arrived(numbers: Sequence[int], smtp: Arrivals, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(n in smtp.first for n in numbers):
            return
        time.sleep(0.1)


def run_flood(quick: bool, directory: Path, backends: list[str]) -> Result:
    count = _size(quick)
    result = Result("flood")
    result.figures["load"] = f"{count} new incidents, {count} services, {CLIENTS} clients"
    fake = [(str(uuid.uuid4()), n) for n in range(count)]
    with baseline_running(directory, kind="starlette") as base:
        floor_seconds, _, _ = flood(base, fake, CLIENTS)
    floor = count / floor_seconds
    result.figures["baseline: same client, bare Starlette, requests/s"] = round(floor, 1)
    memory = MemoryWatch()
    memory.start()
    with smtp_server() as (smtp_port, smtp):
        env = {
            "PAGERD_SMTP_HOST": "127.0.0.1",
            "PAGERD_SMTP_PORT": str(smtp_port),
            "PAGERD_SMTP_STARTTLS": "false",
        }
        for n, backend in enumerate(backends):
            offset = (n + 1) * 1_000_000
            with fresh_database(backend, directory) as url:
                services = seed_services(
                    url,
                    count,
                    targets=lambda i: [
                        {
                            "id": str(uuid.uuid4()),
                            "channel": "email",
                            "address": f"oncall-{i}@bench.example",
                        }
                    ],
                )
                work = [(str(s.id), offset + i) for i, s in enumerate(services)]
                with pagerd_running(url, directory, memory, env=env) as server:
                    seconds, answered, statuses = flood(server.base_url, work, CLIENTS)
                    _wait_arrived([number for _, number in work], smtp, timeout=180)
                    time.sleep(1.0)  # a second delivery of a page would show by now
                sent = scalar(url, "SELECT count(*) FROM notifications WHERE status = 'sent'")
            _report(result, backend, count, seconds, floor, answered, statuses, smtp, sent)
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result


def _report(
    result: Result,
    backend: str,
    count: int,
    seconds: float,
    floor: float,
    answered: dict[int, float],
    statuses: dict[int, int],
    smtp: Arrivals,
    sent: int,
) -> None:
    rate = count / seconds
    f = result.figures
    f[f"{backend}: accepted alerts/s"] = round(rate, 1)
    f[f"{backend}: ratio to bare Starlette"] = ratio(rate, floor)
    f[f"{backend}: answers"] = dict(sorted(statuses.items()))
    waits = [smtp.first[n] - at for n, at in answered.items() if n in smtp.first]
    p50, p99 = percentile(waits, 50), percentile(waits, 99)
    f[f"{backend}: 202 to e-mail p50 / p99 / max s"] = (
        f"{p50:.3f} / {p99:.3f} / {max(waits, default=0):.3f}"
    )
    missing = sum(1 for n in answered if n not in smtp.first)
    doubled = sum(smtp.count.get(n, 0) - 1 for n in answered if smtp.count.get(n, 0) > 1)
    f[f"{backend}: pages recorded sent"] = sent
    if backend == "sqlite":
        result.check(
            f"{backend}: 202 to e-mail p99",
            f"<= {P99_TARGET_S} s",
            f"{p99:.2f} s",
            p99 <= P99_TARGET_S,
        )
    result.check(
        f"{backend}: every alert paged once",
        "0 missing, 0 doubled",
        f"{missing} missing, {doubled} doubled",
        missing == 0 and doubled == 0 and len(answered) == count,
    )
