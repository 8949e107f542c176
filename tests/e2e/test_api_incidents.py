"""Incidents over HTTP: context from the API and both integrations, the severity filter,
grouping and paging severity on services, and the actions with who did them."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api
from tests.e2e.test_integrations_alertmanager import _alert, _notification, _send

LEVELS = [
    {"ack_timeout_seconds": 60, "targets": [{"type": "email", "email": "alice@example.com"}]},
    {"targets": [{"type": "email", "email": "bob@example.com"}]},
]
RUNBOOK = {"href": "https://runbooks.example.com/5xx", "text": "Runbook"}


def _service(api: Api, **fields: Any) -> dict[str, Any]:
    answer = api.post("/api/v1/services", {"name": "payments", **fields})
    assert answer.status_code == 201, answer.text
    api.put_policy(answer.json()["id"], LEVELS)
    return dict(answer.json())


def test_an_alert_keeps_the_context_the_api_sent(api: Api) -> None:
    service = _service(api)

    alert = api.alert(
        service["id"],
        "HTTP 5xx",
        severity="warning",
        source="api-7",
        details={"error_rate": "6.2%"},
        links=[RUNBOOK],
    )["alert"]

    read = api.get(f"/api/v1/alerts/{alert['id']}").json()
    assert (read["severity"], read["source"], read["details"], read["links"]) == (
        "warning",
        "api-7",
        {"error_rate": "6.2%"},
        [RUNBOOK],
    )


def test_a_context_beyond_its_bounds_is_a_422_naming_the_field_and_stores_nothing(
    api: Api,
) -> None:
    service = _service(api)
    body = {"monitored_service_id": service["id"], "message": "x"}

    too_big = api.post("/api/v1/alerts", {**body, "details": {"blob": "x" * 20_000}})
    bad_link = api.post("/api/v1/alerts", {**body, "links": [{"href": "javascript:alert(1)"}]})
    bad_severity = api.post("/api/v1/alerts", {**body, "severity": "disaster"})

    assert [a.status_code for a in (too_big, bad_link, bad_severity)] == [422, 422, 422]
    assert too_big.json()["error"]["details"][0]["field"] == "details"
    assert bad_link.json()["error"]["details"][0]["field"] == "links.0.href"
    assert api.get("/api/v1/alerts").json()["items"] == []


def test_the_list_filters_by_severity(api: Api) -> None:
    service = _service(api, incident_grouping="dedup_key")
    api.alert(service["id"], "a", severity="info", dedup_key="a")
    api.alert(service["id"], "b", severity="critical", dedup_key="b")

    infos = api.get("/api/v1/alerts", params={"severity": "info"}).json()["items"]
    wrong = api.get("/api/v1/alerts", params={"severity": "nope"})

    assert [a["message"] for a in infos] == ["a"]
    assert wrong.status_code == 422


def test_a_service_is_created_and_patched_with_grouping_and_paging_severity(api: Api) -> None:
    service = _service(api, paging_severity="error")
    assert (service["incident_grouping"], service["paging_severity"]) == ("service", "error")
    api.alert(service["id"], "open")

    refused = api.patch(f"/api/v1/services/{service['id']}", {"incident_grouping": "dedup_key"})
    api.post(f"/api/v1/services/{service['id']}/healthy", {})
    changed = api.patch(
        f"/api/v1/services/{service['id']}",
        json={"name": "pay", "incident_grouping": "dedup_key", "paging_severity": "info"},
    )

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "incident_under_way"
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["incident_grouping"]) == ("pay", "dedup_key")
    assert api.patch("/api/v1/services/" + service["id"], {"name": ""}).status_code in (
        409,
        422,
    )


def test_a_held_incident_pages_nobody_until_an_alert_at_the_paging_severity_joins(
    api: Api,
) -> None:
    service = _service(api, paging_severity="error")
    alert = api.alert(service["id"], "disk 80%", severity="warning")["alert"]
    api.run_workers()
    assert api.paged() == []
    assert alert["notified_level_id"] is None

    api.alert(service["id"], "disk 99%", severity="critical")
    api.run_workers()

    assert api.paged() == ["alice@example.com"]
    types = [e["type"] for e in api.get(f"/api/v1/alerts/{alert['id']}/timeline").json()["items"]]
    assert types[:2] == ["opened", "paging_held"]


def test_resolve_escalate_and_notes_name_the_calling_token(api: Api) -> None:
    service = _service(api)
    alert_id = api.alert(service["id"])["alert"]["id"]
    api.run_workers()

    escalated = api.post(f"/api/v1/alerts/{alert_id}/escalate")
    api.run_workers()
    noted = api.post(f"/api/v1/alerts/{alert_id}/notes", {"text": "rolled back"})
    resolved = api.post(f"/api/v1/alerts/{alert_id}/resolve")
    again = api.post(f"/api/v1/alerts/{alert_id}/escalate")

    assert (escalated.status_code, noted.status_code, resolved.status_code) == (200, 201, 200)
    assert escalated.json()["notified_level_id"] == 1
    assert api.paged() == ["alice@example.com", "bob@example.com"]
    assert resolved.json()["status"] == "resolved"
    assert again.status_code == 409
    entries = api.get(f"/api/v1/alerts/{alert_id}/timeline").json()["items"]
    named = {e["type"]: e.get("by") for e in entries if e["type"] in ("escalated", "note")}
    assert named == {"escalated": "token tests", "note": "token tests"}
    assert any(e["type"] == "resolved" and e["by"] == "token tests" for e in entries)
    assert api.get(f"/api/v1/services/{service['id']}").json()["status"] == "healthy"


def test_an_empty_or_missing_note_is_a_422(api: Api) -> None:
    alert_id = api.alert(_service(api)["id"])["alert"]["id"]

    assert api.post(f"/api/v1/alerts/{alert_id}/notes", {"text": "  "}).status_code == 422
    assert api.post(f"/api/v1/alerts/{alert_id}/notes", {}).status_code == 422
    assert api.post(f"/api/v1/alerts/{uuid()}/notes", {"text": "x"}).status_code == 404


def uuid() -> str:
    return "00000000-0000-4000-8000-000000000000"


def test_pagerduty_events_keep_severity_source_custom_details_and_links(api: Api) -> None:
    service = _service(api)
    event = {
        "routing_key": service["integration_key"],
        "event_action": "trigger",
        "dedup_key": "pd-1",
        "payload": {
            "summary": "Disk full",
            "source": "db-3",
            "severity": "error",
            "custom_details": {"free": "1%"},
        },
        "links": [RUNBOOK],
    }

    assert api.client.post("/v2/enqueue", json=event).status_code == 202

    (alert,) = api.get("/api/v1/alerts").json()["items"]
    assert (alert["severity"], alert["source"], alert["details"], alert["links"]) == (
        "error",
        "db-3",
        {"free": "1%"},
        [RUNBOOK],
    )


def test_alertmanager_alerts_keep_their_severity_labels_annotations_and_links(api: Api) -> None:
    service = _service(api)
    firing = _alert("fp-1")
    firing["labels"]["severity"] = "warning"
    firing["annotations"]["runbook_url"] = "https://runbooks.example.com/probe"

    assert _send(api, service["integration_key"], _notification(firing)).status_code == 200

    (alert,) = api.get("/api/v1/alerts").json()["items"]
    assert alert["severity"] == "warning"
    assert alert["source"] == "https://server.example.org"
    assert alert["details"]["labels"]["alertname"] == "ProbeFailure"
    assert alert["details"]["annotations"]["runbook_url"] == "https://runbooks.example.com/probe"
    assert [link["text"] for link in alert["links"]] == ["Source", "Runbook"]


def test_an_alertmanager_severity_pagerd_does_not_know_is_critical(api: Api) -> None:
    service = _service(api)
    firing = _alert("fp-1")
    firing["labels"]["severity"] = "page"

    _send(api, service["integration_key"], _notification(firing))

    assert api.get("/api/v1/alerts").json()["items"][0]["severity"] == "critical"


def test_the_openapi_document_describes_and_exemplifies_every_new_field(api: Api) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]

    for schema, fields in {
        "AlertIn": ("severity", "source", "details", "links"),
        "AlertOut": ("severity", "source", "details", "dedup_key_count", "escalation_ended_at"),
        "ServiceIn": ("incident_grouping", "paging_severity"),
        "ServicePatch": ("name", "incident_grouping", "paging_severity"),
        "NoteIn": ("text",),
        "LinkModel": ("href", "text"),
    }.items():
        for field in fields:
            prop = schemas[schema]["properties"][field]
            assert prop.get("description"), (schema, field)
            assert "examples" in prop or "example" in prop, (schema, field)


def test_every_dedup_key_of_a_large_incident_is_listed_in_pages(api: Api) -> None:
    service = _service(api)
    alerts = [_alert(f"fp{n:03}") for n in range(130)]
    _send(api, service["integration_key"], _notification(*alerts))
    _send(api, service["integration_key"], _notification(_alert("fp005", status="resolved")))
    alert = api.get("/api/v1/alerts").json()["items"][0]

    keys: list[str] = []
    cursor = None
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"/api/v1/alerts/{alert['id']}/dedup-keys", params=params).json()
        keys += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    expected = [f"fp{n:03}" for n in range(130) if n != 5]
    assert (alert["dedup_key_count"], len(alert["dedup_keys"])) == (129, 100)
    assert keys == expected
    bad = api.get(f"/api/v1/alerts/{alert['id']}/dedup-keys", params={"cursor": "nope"})
    assert bad.status_code == 422
