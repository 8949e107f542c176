"""The paging rules end to end: the real `pagerd serve` process, driven over HTTP only.

Each test runs on SQLite, and on PostgreSQL when PAGERD_TEST_POSTGRES_URL is set. Timers are
real here (ack timeouts of a few seconds), so these tests poll with generous deadlines.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from pagerd.testing.serve_process import RunningPagerd, pagerd_process
from tests.e2e.polling import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def pagerd(database_url: str, tmp_path: Path) -> Iterator[RunningPagerd]:
    with pagerd_process(database_url, tmp_path) as running:
        yield running


def _service(client: httpx.Client, name: str, levels: list[dict[str, Any]]) -> str:
    created = client.post("/api/v1/services", json={"name": name})
    assert created.status_code == 201, created.text
    service_id: str = created.json()["id"]
    policy = client.put(f"/api/v1/services/{service_id}/escalation-policy", json={"levels": levels})
    assert policy.status_code == 200, policy.text
    return service_id


def _alert(client: httpx.Client, service_id: str, message: str = "down") -> dict[str, Any]:
    answer = client.post(
        "/api/v1/alerts", json={"monitored_service_id": service_id, "message": message}
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _notifications(client: httpx.Client, alert_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/alerts/{alert_id}/notifications")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _sent_levels(client: httpx.Client, alert_id: str) -> list[tuple[int, str]]:
    return sorted(
        (n["level_id"], n["address"])
        for n in _notifications(client, alert_id)
        if n["status"] == "sent"
    )


TWO_LEVELS = [
    {
        "ack_timeout_seconds": 2,
        "targets": [
            {"type": "email", "email": "alice@example.com"},
            {"type": "SMS", "phone_number": "+5492664295169"},
        ],
    },
    {"ack_timeout_seconds": 60, "targets": [{"type": "email", "email": "bob@example.com"}]},
]


def test_an_alert_pages_level_zero_then_escalates_when_nobody_acknowledges(
    pagerd: RunningPagerd,
) -> None:
    with pagerd.client() as client:
        service_id = _service(client, "checkout", TWO_LEVELS)
        opened = _alert(client, service_id, "checkout is down")
        assert opened["deduplicated"] is False
        alert_id = opened["alert"]["id"]
        assert client.get(f"/api/v1/services/{service_id}").json()["status"] == "unhealthy"

        wait_for(lambda: len(_sent_levels(client, alert_id)) == 2, what="level 0 sent")
        assert _sent_levels(client, alert_id) == [(0, "+5492664295169"), (0, "alice@example.com")]

        wait_for(lambda: len(_sent_levels(client, alert_id)) == 3, what="level 1 sent")
        assert _sent_levels(client, alert_id)[-1] == (1, "bob@example.com")
        assert client.get(f"/api/v1/alerts/{alert_id}").json()["notified_level_id"] == 1
        outbox = client.get("/api/v1/outbox").json()["items"]
        assert {m["address"] for m in outbox} == {
            "alice@example.com",
            "+5492664295169",
            "bob@example.com",
        }


def test_an_acknowledged_alert_pages_nobody_when_its_timer_fires(pagerd: RunningPagerd) -> None:
    with pagerd.client() as client:
        service_id = _service(client, "search", TWO_LEVELS)
        alert_id = _alert(client, service_id)["alert"]["id"]
        acked = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"by": "alice"})
        assert acked.status_code == 200
        assert acked.json()["status"] == "acknowledged"
        time.sleep(3.5)  # past level 0's 2 s timeout
        assert all(n["level_id"] == 0 for n in _notifications(client, alert_id))
        assert client.get(f"/api/v1/services/{service_id}").json()["status"] == "unhealthy"


def test_a_second_alert_joins_the_incident_and_pages_nobody(pagerd: RunningPagerd) -> None:
    with pagerd.client() as client:
        service_id = _service(client, "payments", TWO_LEVELS)
        first = _alert(client, service_id, "first")
        wait_for(lambda: len(_sent_levels(client, first["alert"]["id"])) == 2, what="level 0 sent")
        second = _alert(client, service_id, "second")
        assert second["deduplicated"] is True
        assert second["alert"]["id"] == first["alert"]["id"]
        assert len(_notifications(client, first["alert"]["id"])) == 2
        timeline = client.get(f"/api/v1/alerts/{first['alert']['id']}/timeline").json()["items"]
        assert "joined" in [e["type"] for e in timeline]


def test_healthy_then_the_old_timer_pages_nobody(pagerd: RunningPagerd) -> None:
    with pagerd.client() as client:
        service_id = _service(client, "ledger", TWO_LEVELS)
        alert_id = _alert(client, service_id)["alert"]["id"]
        healthy = client.post(f"/api/v1/services/{service_id}/healthy", json={})
        assert healthy.status_code == 200
        assert healthy.json()["status"] == "healthy"
        time.sleep(3.5)
        assert all(n["level_id"] == 0 for n in _notifications(client, alert_id))
        assert client.get(f"/api/v1/alerts/{alert_id}").json()["status"] == "resolved"


def test_a_stale_timer_neither_escalates_the_next_incident_nor_revives_the_old(
    pagerd: RunningPagerd,
) -> None:
    levels = [dict(TWO_LEVELS[0], ack_timeout_seconds=3), TWO_LEVELS[1]]
    with pagerd.client() as client:
        service_id = _service(client, "inventory", levels)
        first = _alert(client, service_id)["alert"]["id"]
        client.post(f"/api/v1/services/{service_id}/healthy", json={})
        time.sleep(1.5)
        second = _alert(client, service_id)["alert"]["id"]
        assert second != first
        time.sleep(2.0)  # the first alert's timer would be due now; the second's is not
        assert client.get(f"/api/v1/alerts/{second}").json()["notified_level_id"] == 0
        assert client.get(f"/api/v1/alerts/{first}").json()["status"] == "resolved"
        wait_for(
            lambda: client.get(f"/api/v1/alerts/{second}").json()["notified_level_id"] == 1,
            what="the second incident escalates on its own timer",
        )
        assert all(n["level_id"] == 0 for n in _notifications(client, first))


def test_fifty_concurrent_alerts_open_one_incident_and_page_each_target_once(
    pagerd: RunningPagerd,
) -> None:
    with pagerd.client() as client:
        slow_first_level = [dict(TWO_LEVELS[0], ack_timeout_seconds=120), TWO_LEVELS[1]]
        service_id = _service(client, "storm", slow_first_level)

        def send(i: int) -> dict[str, Any]:
            with pagerd.client() as own:
                return _alert(own, service_id, f"storm {i}")

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(send, range(50)))
        ids = {a["alert"]["id"] for a in answers}
        assert len(ids) == 1
        assert sum(not a["deduplicated"] for a in answers) == 1
        (alert_id,) = ids
        wait_for(lambda: len(_sent_levels(client, alert_id)) == 2, what="level 0 sent")
        time.sleep(0.5)
        assert len([n for n in _notifications(client, alert_id) if n["level_id"] == 0]) == 2
        listed = client.get("/api/v1/alerts", params={"monitored_service_id": service_id}).json()
        assert len(listed["items"]) == 1
