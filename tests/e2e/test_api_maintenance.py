"""Maintenance windows over HTTP on every backend: plan (also already running), list with
planned/current/past, delete; an alert inside a window pages nobody and pages at its end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pagerd.entrypoints.http.fields import rfc3339
from tests.e2e.conftest import Api


def _service_with_policy(api: Api) -> dict[str, Any]:
    service = api.create_service("checkout")
    target = {"type": "email", "email": "oncall@example.com"}
    api.put_policy(service["id"], [{"ack_timeout_seconds": 600, "targets": [target]}])
    return service


def _plan(api: Api, service_id: str, start: float, end: float, **extra: Any) -> Any:
    now = api.clock.now()
    body = {
        "start": rfc3339(now + timedelta(seconds=start)),
        "end": rfc3339(now + timedelta(seconds=end)),
        **extra,
    }
    return api.post(f"/api/v1/services/{service_id}/maintenance-windows", body)


def test_an_alert_in_a_window_pages_nobody_until_the_window_ends(api: Api) -> None:
    service = _service_with_policy(api)
    made = _plan(api, service["id"], -60, 3600, reason="database upgrade")
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "current"
    assert made.json()["reason"] == "database upgrade"

    alert = api.alert(service["id"], "checkout is down")["alert"]
    api.advance(1800)
    assert api.paged() == []
    timeline = api.get(f"/api/v1/alerts/{alert['id']}/timeline").json()["items"]
    assert "paging_suppressed" in [entry["type"] for entry in timeline]

    api.advance(1800)
    assert api.paged() == ["oncall@example.com"]
    listed = api.get(f"/api/v1/services/{service['id']}/maintenance-windows").json()["items"]
    assert [w["status"] for w in listed] == ["past"]


def test_windows_are_listed_planned_current_and_past_and_deleted(api: Api) -> None:
    service = _service_with_policy(api)
    path = f"/api/v1/services/{service['id']}/maintenance-windows"
    _plan(api, service["id"], -7200, 60)
    _plan(api, service["id"], 0, 3600)
    planned = _plan(api, service["id"], 7200, 9000).json()
    api.advance(120)

    statuses = [w["status"] for w in api.get(path).json()["items"]]
    gone = api.delete(f"{path}/{planned['id']}")

    assert statuses == ["planned", "current", "past"]
    assert gone.status_code == 204
    assert len(api.get(path).json()["items"]) == 2
    assert api.delete(f"{path}/{planned['id']}").status_code == 404


def test_bad_windows_are_refused_with_the_field_named(api: Api) -> None:
    service = _service_with_policy(api)
    path = f"/api/v1/services/{service['id']}/maintenance-windows"

    backwards = _plan(api, service["id"], 3600, 60)
    over = _plan(api, service["id"], -7200, -60)
    naive = api.post(path, {"start": "2026-11-27T22:00:00", "end": "2026-11-28T02:00:00"})
    unknown = _plan(api, "0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10", 0, 60)

    assert backwards.status_code == 422
    assert backwards.json()["error"]["details"][0]["field"] == "end"
    assert over.status_code == 422
    assert naive.status_code == 422
    assert unknown.status_code == 404
    assert api.get(path).json()["items"] == []
