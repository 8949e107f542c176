"""The five behaviours (DESIGN.md section 1), a stale timer and a burst of concurrent alerts,
held through the HTTP API on every backend."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.conftest import Api

TWO_LEVELS: list[dict[str, Any]] = [
    {
        "ack_timeout_seconds": 300,
        "targets": [
            {"type": "email", "email": "alice@example.com"},
            {"type": "SMS", "phone_number": "+5492664295169"},
        ],
    },
    {"targets": [{"type": "webhook", "url": "https://hooks.example.com/pagerd"}]},
]


def _service_with_policy(api: Api, name: str = "checkout") -> str:
    service_id = str(api.create_service(name)["id"])
    api.put_policy(service_id, TWO_LEVELS)
    return service_id


def _alert_json(api: Api, alert_id: str) -> dict[str, Any]:
    answer = api.get(f"/api/v1/alerts/{alert_id}")
    assert answer.status_code == 200
    return dict(answer.json())


def test_an_alert_for_a_healthy_service_pages_level_zero_and_turns_it_unhealthy(api: Api) -> None:
    service_id = _service_with_policy(api)

    received = api.alert(service_id, "checkout is down")
    api.run_workers()

    assert received["deduplicated"] is False
    assert received["alert"]["status"] == "open"
    assert received["alert"]["notified_level_id"] == 0
    assert sorted(api.paged()) == ["+5492664295169", "alice@example.com"]
    assert api.get(f"/api/v1/services/{service_id}").json()["status"] == "unhealthy"


def test_an_unacknowledged_level_escalates_when_its_timer_fires(api: Api) -> None:
    service_id = _service_with_policy(api)
    alert_id = api.alert(service_id)["alert"]["id"]
    api.run_workers()

    api.advance(299)
    assert len(api.paged()) == 2
    api.advance(1)

    assert api.paged()[2:] == ["https://hooks.example.com/pagerd"]
    assert _alert_json(api, alert_id)["notified_level_id"] == 1


def test_an_acknowledged_alert_pages_nobody_when_its_timer_fires(api: Api) -> None:
    service_id = _service_with_policy(api)
    alert_id = api.alert(service_id)["alert"]["id"]
    api.run_workers()

    answer = api.post(f"/api/v1/alerts/{alert_id}/acknowledge", {"by": "alice"})
    api.advance(3600)

    assert answer.status_code == 200
    assert answer.json()["status"] == "acknowledged"
    assert answer.json()["acknowledged_by"] == "alice"
    assert len(api.paged()) == 2
    assert api.get(f"/api/v1/services/{service_id}").json()["status"] == "unhealthy"


def test_an_alert_for_an_unhealthy_service_pages_nobody_and_joins_the_incident(api: Api) -> None:
    service_id = _service_with_policy(api)
    first = api.alert(service_id, "first", dedup_key="a")
    api.run_workers()

    second = api.alert(service_id, "second", dedup_key="b")
    api.run_workers()

    assert second["deduplicated"] is True
    assert second["alert"]["id"] == first["alert"]["id"]
    assert second["alert"]["dedup_keys"] == ["a", "b"]
    assert len(api.paged()) == 2
    timeline = api.get(f"/api/v1/alerts/{first['alert']['id']}/timeline").json()["items"]
    assert {"type": "joined", "message": "second"}.items() <= _of_type(timeline, "joined").items()


def _of_type(entries: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(e for e in entries if e["type"] == kind)


def test_a_healthy_event_then_the_old_timer_pages_nobody(api: Api) -> None:
    service_id = _service_with_policy(api)
    alert_id = api.alert(service_id)["alert"]["id"]
    api.run_workers()

    healthy = api.post(f"/api/v1/services/{service_id}/healthy", {})
    api.advance(3600)

    assert healthy.status_code == 200
    assert healthy.json()["status"] == "healthy"
    assert _alert_json(api, alert_id)["status"] == "resolved"
    assert len(api.paged()) == 2


def test_a_stale_timer_of_a_resolved_incident_does_not_escalate_the_next_one(api: Api) -> None:
    service_id = _service_with_policy(api)
    first = api.alert(service_id)["alert"]["id"]
    api.run_workers()
    api.advance(200)
    api.post(f"/api/v1/services/{service_id}/healthy", {})
    second = api.alert(service_id)["alert"]["id"]
    api.run_workers()

    api.advance(100)  # the first incident's timer would have been due now
    assert _alert_json(api, second)["notified_level_id"] == 0
    api.advance(200)  # the second incident's own timer

    assert _alert_json(api, second)["notified_level_id"] == 1
    assert _alert_json(api, first)["notified_level_id"] == 0
    assert api.paged().count("https://hooks.example.com/pagerd") == 1


def test_fifty_concurrent_alerts_open_one_incident_and_page_each_target_once(api: Api) -> None:
    service_id = _service_with_policy(api)

    def send(n: int) -> dict[str, Any]:
        body = {"monitored_service_id": service_id, "message": f"alert {n}", "dedup_key": f"k{n}"}
        answer = api.post("/api/v1/alerts", body)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(send, range(50)))
    api.run_workers()

    assert len({r["alert"]["id"] for r in results}) == 1
    assert sum(not r["deduplicated"] for r in results) == 1
    assert sorted(api.paged()) == ["+5492664295169", "alice@example.com"]
    alert = _alert_json(api, results[0]["alert"]["id"])
    assert sorted(alert["dedup_keys"]) == sorted(f"k{n}" for n in range(50))
    assert api.observer.received.count(("api", True)) == 49
