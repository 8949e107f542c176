"""SIGKILL while a heartbeat's deadline passes or a maintenance window ends: after restart,
each acts exactly once (one alert, one page), and a second kill and restart adds nothing.

Real processes and real time on SQLite and PostgreSQL. A heartbeat's interval is at least
a minute, so its deadline is moved into the past in the database while pagerd is down:
what matters is that it passed with nobody running.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from pagerd.adapters.sqlalchemy import create_engine_for
from pagerd.adapters.sqlalchemy.tables import heartbeats
from pagerd.entrypoints.http.fields import rfc3339
from pagerd.testing.serve_process import RunningPagerd, pagerd_process, start_pagerd
from tests.e2e.polling import wait_for

pytestmark = pytest.mark.slow

POLICY = {"levels": [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]}
SETTLE_SECONDS = 3.0
"""How long a restarted pagerd runs before the counts are read again: its duties poll at
least every second, so an end or deadline acted on twice would show by then."""


def _service(client: httpx.Client) -> str:
    service_id: str = client.post("/api/v1/services", json={"name": "jobs"}).json()["id"]
    client.put(f"/api/v1/services/{service_id}/escalation-policy", json=POLICY)
    return service_id


def _incident(client: httpx.Client, service_id: str) -> dict[str, Any] | None:
    params = {"monitored_service_id": service_id}
    items = client.get("/api/v1/alerts", params=params).json()["items"]
    assert len(items) <= 1
    return items[0] if items else None


def _counts(client: httpx.Client, alert_id: str) -> tuple[int, list[str], list[str]]:
    """(pages, timeline types, page statuses) of the alert."""
    pages = client.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
    timeline = client.get(f"/api/v1/alerts/{alert_id}/timeline").json()["items"]
    return len(pages), [e["type"] for e in timeline], [p["status"] for p in pages]


def _sent_once(client: httpx.Client, alert_id: str) -> bool:
    return _counts(client, alert_id)[2] == ["sent"]


def _restart_adds_nothing(
    second: RunningPagerd, database_url: str, tmp_path: Path, alert_id: str
) -> tuple[int, list[str], list[str]]:
    with second.client() as client:
        before = _counts(client, alert_id)
    second.kill()
    with pagerd_process(database_url, tmp_path) as third, third.client() as client:
        time.sleep(SETTLE_SECONDS)
        after = _counts(client, alert_id)
    assert after == before
    return after


def test_a_heartbeat_deadline_passing_while_pagerd_is_down_alerts_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    first = start_pagerd(database_url, tmp_path)
    with first.client() as client:
        service_id = _service(client)
        made = client.post(
            f"/api/v1/services/{service_id}/heartbeats",
            json={"name": "nightly-backup", "interval_seconds": 3600},
        )
        assert made.status_code == 201
    first.kill()
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            passed = datetime.now(UTC) - timedelta(seconds=5)
            connection.execute(heartbeats.update().values(deadline_at=passed))
    finally:
        engine.dispose()

    second = start_pagerd(database_url, tmp_path)
    with second.client() as client:
        alert = wait_for(lambda: _incident(client, service_id), what="the heartbeat's alert")
        assert alert["dedup_keys"] == ["heartbeat:nightly-backup"]
        wait_for(lambda: _sent_once(client, alert["id"]), what="its page")
    pages, types, _ = _restart_adds_nothing(second, database_url, tmp_path, alert["id"])

    assert pages == 1
    assert types.count("opened") == 1
    assert "joined" not in types


def test_a_window_ending_while_pagerd_is_down_pages_the_held_incident_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    first = start_pagerd(database_url, tmp_path)
    with first.client() as client:
        service_id = _service(client)
        now = datetime.now(UTC)
        window = {
            "start": rfc3339(now - timedelta(minutes=1)),
            "end": rfc3339(now + timedelta(seconds=4)),
        }
        made = client.post(f"/api/v1/services/{service_id}/maintenance-windows", json=window)
        assert made.status_code == 201
        body = {"monitored_service_id": service_id, "message": "jobs are down"}
        alert = client.post("/api/v1/alerts", json=body).json()["alert"]
    first.kill()
    time.sleep(max(0.0, (now + timedelta(seconds=5) - datetime.now(UTC)).total_seconds()))

    second = start_pagerd(database_url, tmp_path)
    with second.client() as client:
        wait_for(lambda: _sent_once(client, alert["id"]), what="the held incident's page")
    pages, types, _ = _restart_adds_nothing(second, database_url, tmp_path, alert["id"])

    assert pages == 1
    assert types.count("paging_suppressed") == 1
    assert types.count("maintenance_ended") == 1
