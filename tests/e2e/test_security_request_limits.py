"""The work one request may cause is bounded (issue 19, bug 2): at most 1000 alerts in an
Alertmanager notification (413 beyond) and at most 1000 dedup keys on an incident (422 beyond),
refused whole, with nothing applied."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pagerd.domain.alert import MAX_DEDUP_KEYS
from pagerd.entrypoints.http.alertmanager import MAX_ALERTS
from tests.e2e.conftest import Api


def notification(fingerprints: list[str], status: str = "firing") -> dict[str, Any]:
    alerts = [
        {"status": status, "labels": {"alertname": "Disk"}, "fingerprint": f} for f in fingerprints
    ]
    return {"version": "4", "status": status, "alerts": alerts}


def post_alertmanager(api: Api, key: str, body: dict[str, Any]) -> Any:
    return api.client.post(f"/integrations/alertmanager?integration_key={key}", json=body)


def fill_incident(api: Api, service_id: str) -> None:
    """Open the service's incident and give it MAX_DEDUP_KEYS keys in one unit of work
    (joining them one request at a time would take the time this limit is about)."""
    api.alert(service_id, "first", dedup_key="fp0")
    keys = [f"fp{n}" for n in range(MAX_DEDUP_KEYS)]
    uow = api.container.uow_factory()
    with uow:
        alert = uow.alerts.get_active_for_service_for_update(UUID(service_id))
        assert alert is not None
        for key in keys[1:]:
            alert.join("again", key, datetime(2026, 1, 1, tzinfo=UTC), held=False)
        uow.alerts.update(alert)
        uow.commit()
    assert held_key_count(api, service_id) == MAX_DEDUP_KEYS
    return keys


def held_key_count(api: Api, service_id: str) -> int:
    items = api.get("/api/v1/alerts", params={"monitored_service_id": service_id}).json()
    return sum(alert["dedup_key_count"] for alert in items["items"])


def test_an_alertmanager_notification_over_the_alert_limit_is_a_413_and_records_nothing(
    api: Api,
) -> None:
    service = api.create_service()

    answer = post_alertmanager(
        api,
        service["integration_key"],
        notification([f"fp{n}" for n in range(MAX_ALERTS + 1)]),
    )

    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "too_many_alerts"
    assert held_key_count(api, service["id"]) == 0


def test_a_notification_taking_the_incident_past_the_key_limit_is_refused_whole(
    api: Api,
) -> None:
    service = api.create_service()
    key = service["integration_key"]
    fill_incident(api, service["id"])

    answer = post_alertmanager(api, key, notification(["one-more", "fp0"]))

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "too_many_dedup_keys"
    assert held_key_count(api, service["id"]) == MAX_DEDUP_KEYS


def test_an_api_alert_with_a_new_key_for_a_full_incident_is_a_422_naming_dedup_key(
    api: Api,
) -> None:
    service = api.create_service()
    fill_incident(api, service["id"])
    body = {"monitored_service_id": service["id"], "message": "x", "dedup_key": "new"}

    answer = api.post("/api/v1/alerts", body)
    again = api.post("/api/v1/alerts", {**body, "dedup_key": "fp7"})

    assert answer.status_code == 422, answer.text
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["dedup_key"]
    assert again.status_code == 202  # a key the incident holds still joins
    assert held_key_count(api, service["id"]) == MAX_DEDUP_KEYS  # "new" did not join


def test_a_pagerduty_trigger_with_a_new_key_for_a_full_incident_is_a_422(
    api: Api,
) -> None:
    service = api.create_service()
    fill_incident(api, service["id"])
    event = {
        "routing_key": service["integration_key"],
        "event_action": "trigger",
        "dedup_key": "new",
        "payload": {"summary": "x", "source": "h", "severity": "critical"},
    }

    answer = api.client.post("/v2/enqueue", json=event)

    assert answer.status_code == 422, answer.text
    assert answer.json()["status"] == "invalid event"
    assert held_key_count(api, service["id"]) == MAX_DEDUP_KEYS  # "new" did not join
