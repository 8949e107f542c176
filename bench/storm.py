"""Benchmark 5: an alert storm. 10,000 alerts over 1,000 services from 32 concurrent clients.

Alert i is for service i mod 1,000, so the 32 clients race on the same services all along.
pagerd must open exactly 1,000 incidents (the other 9,000 join them) and page each target of
level 0 exactly once (two targets per service: 2,000 notifications, 2,000 messages in the dev
outbox, each with its own idempotency key). Figures: the throughput, and the same client
against the bare endpoint in the same run (the client's own ceiling: the baseline).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from bench.client import closed_loop
from bench.process import MemoryWatch, baseline_running, fresh_database, pagerd_running
from bench.report import Result, ratio
from bench.seed import scalar, seed_services

CLIENTS = 32


def _sizes(quick: bool) -> tuple[int, int]:
    """(alerts, services)."""
    return (2_000, 200) if quick else (10_000, 1_000)


def _wait_delivered(url: str, timeout: float) -> float:
    """Seconds until no page is pending (or the timeout)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if scalar(url, "SELECT count(*) FROM notifications WHERE status = 'pending'") == 0:
            break
        time.sleep(0.25)
    return time.monotonic() - began


def run_storm(quick: bool, directory: Path, backends: list[str]) -> Result:
    alerts, service_count = _sizes(quick)
    result = Result("storm")
    fake = [(str(uuid.uuid4()), f"storm-{i}") for i in range(alerts)]
    with baseline_running(directory) as base:
        floor = closed_loop(base, fake, CLIENTS)
    result.figures["baseline: same client, bare endpoint, requests/s"] = round(floor.rate, 1)
    result.figures["load"] = f"{alerts} alerts, {service_count} services, {CLIENTS} clients"
    memory = MemoryWatch()
    memory.start()
    for backend in backends:
        with fresh_database(backend, directory) as url:
            services = seed_services(url, service_count)
            work = [(str(services[i % service_count].id), f"storm-{i}") for i in range(alerts)]
            with pagerd_running(url, directory, memory) as server:
                run = closed_loop(server.base_url, work, CLIENTS)
                drain = _wait_delivered(url, 120)
            counts = {
                q: scalar(url, sql)
                for q, sql in {
                    "incidents": "SELECT count(*) FROM alerts",
                    "joined": "SELECT count(*) FROM timeline_entries WHERE type = 'joined'",
                    "pages": "SELECT count(*) FROM notifications",
                    "sent": "SELECT count(*) FROM notifications WHERE status = 'sent'",
                    "messages": "SELECT count(*) FROM dev_outbox",
                    "keys": "SELECT count(DISTINCT idempotency_key) FROM dev_outbox",
                    "per_target_max": "SELECT coalesce(max(c), 0) FROM (SELECT count(*) AS c "
                    "FROM notifications GROUP BY alert_id, level, pass_number, target_id) x",
                }.items()
            }
        label = backend
        result.figures[f"{label}: alerts/s"] = round(run.rate, 1)
        result.figures[f"{label}: ratio to baseline"] = ratio(run.rate, floor.rate)
        result.figures[f"{label}: answers"] = dict(sorted(run.statuses.items()))
        result.figures[f"{label}: seconds until every page was sent"] = round(drain, 1)
        result.figures[f"{label}: rows"] = counts
        targets = 2 * service_count
        result.check(
            f"{label}: incidents",
            f"exactly {service_count}",
            counts["incidents"],
            counts["incidents"] == service_count,
        )
        result.check(
            f"{label}: the others joined",
            f"exactly {alerts - service_count}",
            counts["joined"],
            counts["joined"] == alerts - service_count,
        )
        one_each = (
            counts["pages"] == targets
            and counts["sent"] == targets
            and counts["messages"] == targets
            and counts["keys"] == targets
            and counts["per_target_max"] == 1
        )
        result.check(
            f"{label}: one first-level page per target",
            f"{targets} pages, sent once",
            f"{counts['pages']} pages, {counts['messages']} messages",
            one_each,
        )
        result.check(
            f"{label}: every answer 202", "all 202", run.statuses, set(run.statuses) == {202}
        )
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result
