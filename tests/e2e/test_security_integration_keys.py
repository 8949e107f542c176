"""Integration keys act on their own service only: a second service's key can neither
acknowledge, resolve nor join the first service's incident, whatever dedup key it names;
and integration keys and API tokens do not open each other's doors."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api

LEVEL = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]
SHARED_KEY = "host1/disk"


def two_services(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    first, second = api.create_service("first"), api.create_service("second")
    for service in (first, second):
        api.put_policy(service["id"], LEVEL)
    return first, second


def enqueue(api: Api, key: str, action: str, dedup_key: str = SHARED_KEY) -> int:
    event: dict[str, Any] = {"routing_key": key, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        event["payload"] = {"summary": "disk full", "source": "host1", "severity": "critical"}
    return api.client.post("/v2/enqueue", json=event).status_code


def alertmanager(api: Api, key: str, status: str, fingerprint: str = SHARED_KEY) -> int:
    alert = {"status": status, "labels": {"alertname": "Disk"}, "fingerprint": fingerprint}
    body = {"version": "4", "status": status, "alerts": [alert]}
    url = f"/integrations/alertmanager?integration_key={key}"
    return api.client.post(url, json=body).status_code


def snapshot(api: Api, service_id: str) -> tuple[str, list[tuple[str, list[str]]]]:
    service = api.get(f"/api/v1/services/{service_id}").json()
    alerts = api.get("/api/v1/alerts", params={"monitored_service_id": service_id}).json()
    return service["status"], [(a["status"], a["dedup_keys"]) for a in alerts["items"]]


def test_another_services_key_cannot_acknowledge_or_resolve_an_incident(api: Api) -> None:
    first, second = two_services(api)
    assert enqueue(api, first["integration_key"], "trigger") == 202
    api.run_workers()
    before = snapshot(api, first["id"])
    paged = api.paged()

    answers = [
        enqueue(api, second["integration_key"], "acknowledge"),
        enqueue(api, second["integration_key"], "resolve"),
        alertmanager(api, second["integration_key"], "resolved"),
    ]
    api.run_workers()

    assert answers == [202, 202, 200]  # accepted for the second service, where nothing matches
    assert snapshot(api, first["id"]) == before == ("unhealthy", [("open", [SHARED_KEY])])
    assert api.paged() == paged


def test_another_services_key_opens_its_own_incident_not_the_first_ones(api: Api) -> None:
    first, second = two_services(api)
    enqueue(api, first["integration_key"], "trigger")

    enqueue(api, second["integration_key"], "trigger")
    alertmanager(api, second["integration_key"], "firing", "other")

    assert snapshot(api, first["id"]) == ("unhealthy", [("open", [SHARED_KEY])])
    assert snapshot(api, second["id"])[1] == [("open", [SHARED_KEY, "other"])]


def test_the_services_own_key_does_resolve_it(api: Api) -> None:
    first, _ = two_services(api)
    enqueue(api, first["integration_key"], "trigger")

    enqueue(api, first["integration_key"], "resolve")

    assert snapshot(api, first["id"]) == ("healthy", [("resolved", [])])


def test_an_api_token_is_not_an_integration_key(memory_api: Api) -> None:
    two_services(memory_api)

    pagerduty = enqueue(memory_api, memory_api.token, "trigger")
    as_bearer = memory_api.client.post(
        "/integrations/alertmanager",
        json={"status": "firing", "alerts": []},
        headers={"Authorization": f"Bearer {memory_api.token}"},
    )

    assert (pagerduty, as_bearer.status_code) == (400, 401)


def test_an_integration_key_is_not_an_api_token(memory_api: Api) -> None:
    first, _ = two_services(memory_api)
    headers = {"Authorization": f"Bearer {first['integration_key']}"}

    answer = memory_api.client.get("/api/v1/services", headers=headers)

    assert answer.status_code == 401
