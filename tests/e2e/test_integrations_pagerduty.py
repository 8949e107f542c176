"""`POST /v2/enqueue`: PagerDuty Events API v2 events, with every field PagerDuty documents."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import Api

LEVEL = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]


def _trigger(key: str, **overrides: Any) -> dict[str, Any]:
    """A trigger event as monitoring tools send it, every documented field present."""
    event: dict[str, Any] = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "host1/disk",
        "payload": {
            "summary": "Disk almost full on host1.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "source": "host1.example.com",
            "severity": "critical",
            "component": "postgres",
            "group": "prod-datapipe",
            "class": "disk",
            "custom_details": {"free space": "1%", "load avg": 0.75},
        },
        "images": [
            {"src": "https://example.com/graph.png", "href": "https://example.com/", "alt": "graph"}
        ],
        "links": [{"href": "https://example.com/runbook", "text": "Runbook"}],
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.example.com",
    }
    event.update(overrides)
    return event


def _service(api: Api) -> tuple[str, str]:
    service = api.create_service("datapipe")
    api.put_policy(service["id"], LEVEL)
    return service["id"], service["integration_key"]


def _enqueue(api: Api, event: Any) -> Any:
    return api.client.post("/v2/enqueue", json=event)


def _active(api: Api, service_id: str) -> list[dict[str, Any]]:
    params = {"monitored_service_id": service_id}
    return [
        a
        for a in api.get("/api/v1/alerts", params=params).json()["items"]
        if a["status"] != "resolved"
    ]


def test_a_trigger_opens_an_incident_pages_and_answers_as_pagerduty_does(api: Api) -> None:
    service_id, key = _service(api)

    answer = _enqueue(api, _trigger(key))
    api.run_workers()

    assert answer.status_code == 202
    assert answer.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "host1/disk",
    }
    [alert] = _active(api, service_id)
    assert alert["message"] == "Disk almost full on host1.example.com"
    assert alert["dedup_keys"] == ["host1/disk"]
    assert api.paged() == ["oncall@example.com"]
    assert api.observer.received == [("pagerduty", False)]


def test_a_trigger_without_a_dedup_key_gets_one_generated_and_returned(api: Api) -> None:
    service_id, key = _service(api)
    event = _trigger(key)
    del event["dedup_key"]

    answer = _enqueue(api, event)

    generated = answer.json()["dedup_key"]
    assert answer.status_code == 202
    assert generated
    assert _active(api, service_id)[0]["dedup_keys"] == [generated]


def test_a_repeated_trigger_joins_the_incident_and_pages_nobody_again(api: Api) -> None:
    service_id, key = _service(api)
    _enqueue(api, _trigger(key))
    api.run_workers()

    again = _enqueue(api, _trigger(key))
    other = _enqueue(api, _trigger(key, dedup_key="host2/cpu"))
    api.run_workers()

    assert again.status_code == other.status_code == 202
    assert len(_active(api, service_id)) == 1
    assert _active(api, service_id)[0]["dedup_keys"] == ["host1/disk", "host2/cpu"]
    assert api.paged() == ["oncall@example.com"]
    assert api.observer.received == [("pagerduty", False), ("pagerduty", True), ("pagerduty", True)]


def test_an_acknowledge_stops_escalation_of_the_incident_holding_the_key(api: Api) -> None:
    service_id, key = _service(api)
    _enqueue(api, _trigger(key))

    answer = _enqueue(
        api, {"routing_key": key, "dedup_key": "host1/disk", "event_action": "acknowledge"}
    )

    assert answer.status_code == 202
    assert answer.json()["dedup_key"] == "host1/disk"
    [alert] = _active(api, service_id)
    assert alert["status"] == "acknowledged"


def test_resolving_every_key_resolves_the_incident_and_heals_the_service(api: Api) -> None:
    service_id, key = _service(api)
    _enqueue(api, _trigger(key))
    _enqueue(api, _trigger(key, dedup_key="host2/cpu"))

    first = _enqueue(
        api, {"routing_key": key, "dedup_key": "host1/disk", "event_action": "resolve"}
    )
    still_down = api.get(f"/api/v1/services/{service_id}").json()["status"]
    second = _enqueue(
        api, {"routing_key": key, "dedup_key": "host2/cpu", "event_action": "resolve"}
    )

    assert first.status_code == second.status_code == 202
    assert still_down == "unhealthy"
    assert api.get(f"/api/v1/services/{service_id}").json()["status"] == "healthy"
    assert _active(api, service_id) == []


def test_acknowledge_and_resolve_of_a_key_nobody_holds_are_accepted_and_change_nothing(
    api: Api,
) -> None:
    service_id, key = _service(api)
    _enqueue(api, _trigger(key))

    for action in ("acknowledge", "resolve"):
        answer = _enqueue(api, {"routing_key": key, "dedup_key": "unknown", "event_action": action})
        assert answer.status_code == 202

    [alert] = _active(api, service_id)
    assert alert["status"] == "open"


def test_a_key_acts_on_its_own_service_only(api: Api) -> None:
    service_id, key = _service(api)
    other = api.create_service("other")
    _enqueue(api, _trigger(key))

    answer = _enqueue(
        api,
        {
            "routing_key": other["integration_key"],
            "dedup_key": "host1/disk",
            "event_action": "resolve",
        },
    )

    assert answer.status_code == 202
    assert _active(api, service_id)[0]["status"] == "open"


def test_an_unknown_routing_key_is_an_invalid_event(api: Api) -> None:
    answer = _enqueue(api, _trigger("0" * 32))

    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "invalid event"
    assert body["message"] == "Event object is invalid"
    assert any("routing_key" in e for e in body["errors"])
    assert api.get("/api/v1/alerts").json()["items"] == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"event_action": "explode"}, "event_action"),
        ({"event_action": None}, "event_action"),
        ({"payload": None}, "payload"),
        ({"payload": {"source": "h", "severity": "info"}}, "payload.summary"),
        ({"payload": {"summary": "s", "severity": "info"}}, "payload.source"),
        ({"payload": {"summary": "s", "source": "h", "severity": "fatal"}}, "payload.severity"),
        (
            {"payload": {"summary": "x" * 1025, "source": "h", "severity": "info"}},
            "payload.summary",
        ),
        ({"dedup_key": "k" * 256}, "dedup_key"),
        ({"routing_key": 42}, "routing_key"),
        ({"images": [{"alt": "no src"}]}, "images.0.src"),
        ({"links": "https://example.com"}, "links"),
    ],
)
def test_a_malformed_trigger_is_a_400_naming_the_field(
    memory_api: Api, change: dict[str, Any], named: str
) -> None:
    _, key = _service(memory_api)

    answer = _enqueue(memory_api, _trigger(key, **change))

    assert answer.status_code == 400
    assert answer.json()["status"] == "invalid event"
    assert any(e.startswith(named) for e in answer.json()["errors"]), answer.json()
    assert memory_api.get("/api/v1/alerts").json()["items"] == []


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_need_a_dedup_key(memory_api: Api, action: str) -> None:
    _, key = _service(memory_api)

    answer = _enqueue(memory_api, {"routing_key": key, "event_action": action})

    assert answer.status_code == 400
    assert answer.json()["errors"] == [f"dedup_key: Field required for {action}"]


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"trigger"', b"null", b"\xff", b"[" * 50_000])
def test_a_body_that_is_not_an_event_object_is_a_400(memory_api: Api, raw: bytes) -> None:
    answer = memory_api.client.post(
        "/v2/enqueue", content=raw, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 400
    assert answer.json()["status"] == "invalid event"


def test_text_no_database_can_store_is_cleaned_not_refused(api: Api) -> None:
    service_id, key = _service(api)
    event = _trigger(key, dedup_key="nul\u0000key")
    event["payload"]["summary"] = "bad \ud800 text\u0000"

    raw = json.dumps(event).encode()  # escapes the lone surrogate, as some senders do

    answer = api.client.post(
        "/v2/enqueue", content=raw, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 202
    assert answer.json()["dedup_key"] == "nulkey"
    assert _active(api, service_id)[0]["message"] == "bad  text"


@pytest.mark.parametrize("depth", [500, 900])
def test_deeply_nested_custom_details_are_accepted(memory_api: Api, depth: int) -> None:
    service_id, key = _service(memory_api)
    event = json.dumps(_trigger(key, dedup_key="deep"))
    nested = "[" * depth + "]" * depth
    raw = event.replace(
        '"custom_details": {"free space": "1%", "load avg": 0.75}', f'"custom_details": {nested}'
    )

    answer = memory_api.client.post(
        "/v2/enqueue", content=raw.encode(), headers={"Content-Type": "application/json"}
    )

    assert nested in raw
    assert answer.status_code == 202  # the alert is kept; its too-deep details are not
    assert _active(memory_api, service_id)[0]["details"] == {
        "pagerd_note": "the details were dropped: nested at most 8 levels deep"
    }
