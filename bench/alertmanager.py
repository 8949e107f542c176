"""Benchmark `alertmanager`: one Alertmanager call with 10,000 alerts, and joins to an
incident holding 10,000 keys, each against the same with 10 (the baseline of this run).

Through the real `pagerd serve` (workers off: the call and the join are measured, not the
paging), over HTTP, on a fresh database per backend. Alerts are compact (an `alertname`
label and a short fingerprint, about 80 bytes) so that 10,000 fit the 1 MiB body limit.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.client import Http
from bench.process import MemoryWatch, fresh_database, pagerd_running
from bench.report import Result, ratio

LEVEL = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]
BIG, SMALL = 10_000, 10
CALL_TARGET_SECONDS = 10.0
JOIN_RATIO_TARGET = 2.0


def _alerts(prefix: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "status": "firing",
            "labels": {"alertname": "Disk"},
            "fingerprint": f"{prefix}{n:x}",
        }
        for n in range(count)
    ]


def _notification(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": "4", "status": "firing", "alerts": alerts}


def _service(client: Http, name: str) -> tuple[str, str]:
    status, body = client.request("POST", "/api/v1/services", {"name": name})
    assert status == 201, body
    status, _ = client.request(
        "PUT", f"/api/v1/services/{body['id']}/escalation-policy", {"levels": LEVEL}
    )
    assert status == 200
    return body["id"], body["integration_key"]


def _call(client: Http, key: str, alerts: list[dict[str, Any]]) -> float:
    """Seconds one Alertmanager call took (answered 200)."""
    started = time.perf_counter()
    status, body = client.request(
        "POST", f"/integrations/alertmanager?integration_key={key}", _notification(alerts)
    )
    elapsed = time.perf_counter() - started
    assert status == 200, (status, str(body)[:300])
    return elapsed


def _key_count(client: Http, service_id: str) -> int:
    status, body = client.request("GET", f"/api/v1/alerts?monitored_service_id={service_id}")
    assert status == 200
    return int(body["items"][0]["dedup_key_count"])


def run_alertmanager(quick: bool, directory: Path, backends: list[str]) -> Result:
    """Call with BIG alerts vs SMALL, and a join to an incident of BIG keys vs SMALL."""
    joins = 30 if quick else 200
    result = Result("alertmanager")
    memory = MemoryWatch()
    memory.start()
    for backend in backends:
        with (
            fresh_database(backend, directory) as url,
            pagerd_running(url, directory, memory, workers=False) as server,
        ):
            client = Http(server.base_url)
            small_id, small_key = _service(client, "small")
            big_id, big_key = _service(client, "big")
            _call(client, small_key, _alerts("warm", 5))  # first request: imports, caches
            call_small = _call(client, small_key, _alerts("s", SMALL))
            call_big = _call(client, big_key, _alerts("b", BIG))
            small_joins, big_joins = [], []
            for n in range(joins):  # alternated, so that drift hits both alike
                small_joins.append(_call(client, small_key, _alerts(f"js{n}-", 1)))
                big_joins.append(_call(client, big_key, _alerts(f"jb{n}-", 1)))
            counts = (_key_count(client, small_id), _key_count(client, big_id))
            client.close()
        _report(result, backend, (call_small, call_big), small_joins, big_joins, counts)
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result


def _report(
    result: Result,
    backend: str,
    calls: tuple[float, float],
    small_joins: list[float],
    big_joins: list[float],
    counts: tuple[int, int],
) -> None:
    call_small, call_big = calls
    join_small, join_big = statistics.median(small_joins), statistics.median(big_joins)
    f = result.figures
    f[f"{backend}: call with {SMALL} alerts, s"] = round(call_small, 4)
    f[f"{backend}: call with {BIG:,} alerts, s"] = round(call_big, 3)
    f[f"{backend}: call ratio {BIG:,} / {SMALL}"] = ratio(call_big, call_small)
    f[f"{backend}: per alert, {BIG:,} vs {SMALL}, ratio"] = ratio(
        call_big / BIG, call_small / SMALL
    )
    f[f"{backend}: join, incident of {SMALL} keys, median ms"] = round(join_small * 1000, 2)
    f[f"{backend}: join, incident of {BIG:,} keys, median ms"] = round(join_big * 1000, 2)
    f[f"{backend}: join ratio {BIG:,} keys / {SMALL}"] = ratio(join_big, join_small)
    f[f"{backend}: keys held after the joins (small, big)"] = counts
    result.check(
        f"{backend}: call with {BIG:,} alerts",
        f"< {CALL_TARGET_SECONDS:.0f} s",
        f"{call_big:.2f} s",
        call_big < CALL_TARGET_SECONDS,
    )
    join_ratio = ratio(join_big, join_small)
    result.check(
        f"{backend}: join cost independent of keys",
        f"ratio < {JOIN_RATIO_TARGET}",
        join_ratio,
        join_ratio < JOIN_RATIO_TARGET,
    )
