"""`POST /integrations/alertmanager`: Alertmanager webhook notifications (payload version 4)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api

LEVEL = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]


def _alert(fingerprint: str, status: str = "firing", name: str = "ProbeFailure") -> dict[str, Any]:
    """One alert as Alertmanager sends it."""
    return {
        "status": status,
        "labels": {
            "alertname": name,
            "instance": "https://server.example.org",
            "severity": "critical",
        },
        "annotations": {
            "description": "Instance https://server.example.org has been down for over 5m.",
            "summary": "BlackBox probe failure: https://server.example.org",
        },
        "startsAt": "2026-01-01T08:55:45.828Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-01-01T09:30:00Z",
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0",
        "fingerprint": fingerprint,
    }


def _notification(*alerts: dict[str, Any]) -> dict[str, Any]:
    """A webhook notification with every field of payload version 4."""
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": '{}/{severity="critical"}:{alertname="ProbeFailure"}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "pagerd",
        "groupLabels": {"alertname": "ProbeFailure"},
        "commonLabels": {"alertname": "ProbeFailure", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": list(alerts),
    }


def _service(api: Api) -> tuple[str, str]:
    service = api.create_service("probes")
    api.put_policy(service["id"], LEVEL)
    return service["id"], service["integration_key"]


def _send(api: Api, key: str, body: Any) -> Any:
    return api.client.post("/integrations/alertmanager", params={"integration_key": key}, json=body)


def _active(api: Api, service_id: str) -> list[dict[str, Any]]:
    params = {"monitored_service_id": service_id}
    return [
        a
        for a in api.get("/api/v1/alerts", params=params).json()["items"]
        if a["status"] != "resolved"
    ]


def test_a_firing_alert_opens_an_incident_keyed_by_its_fingerprint_and_pages(api: Api) -> None:
    service_id, key = _service(api)

    answer = _send(api, key, _notification(_alert("1a30ba71cca2921f")))
    api.run_workers()

    assert answer.status_code == 200
    assert answer.json()["alerts"] == [{"fingerprint": "1a30ba71cca2921f", "action": "opened"}]
    [incident] = _active(api, service_id)
    assert incident["dedup_keys"] == ["1a30ba71cca2921f"]
    assert incident["message"] == "ProbeFailure: BlackBox probe failure: https://server.example.org"
    assert api.paged() == ["oncall@example.com"]
    assert api.observer.received == [("alertmanager", False)]


def test_the_key_may_come_as_a_bearer_token(api: Api) -> None:
    service_id, key = _service(api)

    answer = api.client.post(
        "/integrations/alertmanager",
        json=_notification(_alert("f1")),
        headers={"Authorization": f"Bearer {key}"},
    )

    assert answer.status_code == 200
    assert len(_active(api, service_id)) == 1


def test_a_group_of_alerts_opens_one_incident_that_holds_every_fingerprint(api: Api) -> None:
    service_id, key = _service(api)

    answer = _send(api, key, _notification(_alert("f1"), _alert("f2"), _alert("f3")))
    api.run_workers()

    actions = [a["action"] for a in answer.json()["alerts"]]
    assert actions == ["opened", "joined", "joined"]
    assert _active(api, service_id)[0]["dedup_keys"] == ["f1", "f2", "f3"]
    assert api.paged() == ["oncall@example.com"]


def test_a_repeated_notification_changes_nothing(api: Api) -> None:
    service_id, key = _service(api)
    _send(api, key, _notification(_alert("f1")))
    alert_id = _active(api, service_id)[0]["id"]
    before = api.get(f"/api/v1/alerts/{alert_id}/timeline").json()["items"]

    again = _send(api, key, _notification(_alert("f1")))

    assert again.json()["alerts"] == [{"fingerprint": "f1", "action": "unchanged"}]
    assert api.get(f"/api/v1/alerts/{alert_id}/timeline").json()["items"] == before


def test_resolved_alerts_remove_their_keys_and_the_last_one_heals_the_service(api: Api) -> None:
    service_id, key = _service(api)
    _send(api, key, _notification(_alert("f1"), _alert("f2")))

    partly = _send(api, key, _notification(_alert("f1", "resolved")))
    still = api.get(f"/api/v1/services/{service_id}").json()["status"]
    fully = _send(api, key, _notification(_alert("f2", "resolved")))

    assert partly.json()["alerts"] == [{"fingerprint": "f1", "action": "key_resolved"}]
    assert fully.status_code == 200
    assert still == "unhealthy"
    assert api.get(f"/api/v1/services/{service_id}").json()["status"] == "healthy"
    assert _active(api, service_id) == []


def test_firing_and_resolved_in_one_notification_keep_the_incident_without_paging_again(
    api: Api,
) -> None:
    service_id, key = _service(api)
    _send(api, key, _notification(_alert("f1")))
    api.run_workers()

    _send(api, key, _notification(_alert("f1", "resolved"), _alert("f2")))
    api.run_workers()

    [incident] = _active(api, service_id)
    assert incident["dedup_keys"] == ["f2"]
    assert api.paged() == ["oncall@example.com"]


def test_a_resolved_alert_no_incident_holds_changes_nothing(api: Api) -> None:
    service_id, key = _service(api)

    answer = _send(api, key, _notification(_alert("f9", "resolved")))

    assert answer.json()["alerts"] == [{"fingerprint": "f9", "action": "not_held"}]
    assert api.get(f"/api/v1/services/{service_id}").json()["status"] == "healthy"


def test_a_key_acts_on_its_own_service_only(api: Api) -> None:
    service_id, key = _service(api)
    other = api.create_service("other")
    _send(api, key, _notification(_alert("f1")))

    _send(api, other["integration_key"], _notification(_alert("f1", "resolved")))

    assert len(_active(api, service_id)) == 1


@pytest.mark.parametrize(
    ("key", "status"), [(None, 401), ("", 401), ("0" * 32, 401), ("x" * 600, 401)]
)
def test_a_missing_or_unknown_key_is_refused_and_changes_nothing(
    memory_api: Api, key: str | None, status: int
) -> None:
    params = {"integration_key": key} if key is not None else {}

    answer = memory_api.client.post(
        "/integrations/alertmanager", params=params, json=_notification(_alert("f1"))
    )

    assert answer.status_code == status
    assert "error" in answer.json()
    assert memory_api.get("/api/v1/alerts").json()["items"] == []


def test_an_unknown_key_answers_401_with_the_bearer_challenge(memory_api: Api) -> None:
    answer = _send(memory_api, "0" * 32, _notification(_alert("f1")))

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"alerts": None}, "alerts"),
        ({"alerts": {}}, "alerts"),
        ({"status": "burning"}, "status"),
        ({"alerts": [{"status": "firing"}]}, "alerts.0.fingerprint"),
        ({"alerts": [{**_alert("f1"), "status": "maybe"}]}, "alerts.0.status"),
        ({"alerts": [{**_alert("f1"), "labels": ["x"]}]}, "alerts.0.labels"),
        ({"alerts": [{**_alert("f1"), "fingerprint": ""}]}, "alerts.0.fingerprint"),
    ],
)
def test_a_malformed_notification_is_422_naming_the_field(
    memory_api: Api, change: dict[str, Any], field: str
) -> None:
    _, key = _service(memory_api)

    answer = _send(memory_api, key, {**_notification(_alert("f1")), **change})

    assert answer.status_code == 422
    assert field in [d["field"] for d in answer.json()["error"]["details"]]
    assert memory_api.get("/api/v1/alerts").json()["items"] == []


def test_an_unauthenticated_malformed_notification_is_401_not_422(memory_api: Api) -> None:
    answer = _send(memory_api, "0" * 32, {"alerts": "nonsense"})

    assert answer.status_code == 401


def test_a_body_that_is_not_json_is_400(memory_api: Api) -> None:
    _, key = _service(memory_api)

    answer = memory_api.client.post(
        "/integrations/alertmanager",
        params={"integration_key": key},
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "malformed_json"


def test_an_alert_without_annotations_is_named_after_its_alertname(memory_api: Api) -> None:
    service_id, key = _service(memory_api)
    bare = {"status": "firing", "labels": {"alertname": "Watchdog"}, "fingerprint": "w1"}

    _send(memory_api, key, _notification(bare))

    assert _active(memory_api, service_id)[0]["message"] == "Watchdog"
