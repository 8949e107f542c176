"""Heartbeat monitors over HTTP on every backend: create, list, delete, the secret ping URL
(GET and POST, no token), a missed ping paging, the next ping resolving, and the errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from pagerd.entrypoints.http.fields import rfc3339
from tests.e2e.conftest import Api
from tests.e2e.test_security_rate_limits import limited


def _service_with_policy(api: Api) -> dict[str, Any]:
    service = api.create_service("backups")
    api.put_policy(
        service["id"], [{"ack_timeout_seconds": 600, "targets": [_email("oncall@example.com")]}]
    )
    return service


def _email(address: str) -> dict[str, str]:
    return {"type": "email", "email": address}


def _create(api: Api, service_id: str, **body: Any) -> dict[str, Any]:
    answer = api.post(f"/api/v1/services/{service_id}/heartbeats", body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _ping_path(beat: dict[str, Any]) -> str:
    return str(urlsplit(beat["ping_url"]).path)


def test_a_heartbeat_is_created_listed_and_deleted(api: Api) -> None:
    service = _service_with_policy(api)
    beat = _create(api, service["id"], name="nightly-backup", interval_seconds=86400)

    assert beat["grace_seconds"] == 0
    assert beat["last_ping_at"] is None
    assert beat["late"] is False
    assert _ping_path(beat).startswith("/ping/")
    listed = api.get(f"/api/v1/services/{service['id']}/heartbeats").json()
    assert listed["items"] == [beat]

    gone = api.delete(f"/api/v1/services/{service['id']}/heartbeats/{beat['id']}")
    assert gone.status_code == 204
    assert api.get(f"/api/v1/services/{service['id']}/heartbeats").json()["items"] == []
    assert api.client.get(_ping_path(beat)).status_code == 404


def test_a_missed_ping_pages_and_the_next_ping_resolves_without_a_token(api: Api) -> None:
    service = _service_with_policy(api)
    beat = _create(api, service["id"], name="nightly-backup", interval_seconds=3600)

    first = api.client.get(_ping_path(beat))
    assert first.status_code == 200
    assert first.json()["name"] == "nightly-backup"
    api.advance(3601)

    (alert,) = api.get("/api/v1/alerts", params={"status": "open"}).json()["items"]
    assert alert["dedup_keys"] == ["heartbeat:nightly-backup"]
    assert "nightly-backup has not checked in since" in alert["message"]
    assert api.paged() == ["oncall@example.com"]
    (shown,) = api.get(f"/api/v1/services/{service['id']}/heartbeats").json()["items"]
    assert shown["late"] is True
    assert shown["next_deadline_at"] is None

    second = api.client.post(_ping_path(beat))
    assert second.status_code == 200
    assert api.get(f"/api/v1/alerts/{alert['id']}").json()["status"] == "resolved"
    assert api.get(f"/api/v1/services/{service['id']}").json()["status"] == "healthy"


def test_bad_heartbeats_are_refused_with_the_field_named(api: Api) -> None:
    service = _service_with_policy(api)
    path = f"/api/v1/services/{service['id']}/heartbeats"

    short = api.post(path, {"name": "x", "interval_seconds": 59})
    grace = api.post(path, {"name": "x", "interval_seconds": 60, "grace_seconds": 86401})
    _create(api, service["id"], name="x", interval_seconds=60)
    twice = api.post(path, {"name": "x", "interval_seconds": 60})
    unknown = api.post(
        "/api/v1/services/0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10/heartbeats",
        {"name": "x", "interval_seconds": 60},
    )

    assert short.status_code == 422
    assert "interval_seconds" in str(short.json()["error"]["details"])
    assert grace.status_code == 422
    assert "grace_seconds" in str(grace.json()["error"]["details"])
    assert twice.status_code == 409
    assert unknown.status_code == 404
    assert len(api.get(path).json()["items"]) == 1


def test_an_unknown_ping_url_is_404_and_management_needs_a_token(api: Api) -> None:
    service = _service_with_policy(api)

    assert api.client.get("/ping/not-a-real-token").status_code == 404
    refused = api.client.get(f"/api/v1/services/{service['id']}/heartbeats")
    assert refused.status_code == 401


def test_a_ping_url_past_its_budget_answers_429_and_records_nothing(api: Api) -> None:
    service = _service_with_policy(api)
    beat = _create(api, service["id"], name="cron", interval_seconds=60)
    limited(api, ingest_rate_per_minute=1, ingest_burst=2)

    answers = [api.client.get(_ping_path(beat)).status_code for _ in range(3)]
    api.clock.advance(timedelta(seconds=5))
    refused = api.client.get(_ping_path(beat))

    assert answers == [200, 200, 429]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    (shown,) = api.get(f"/api/v1/services/{service['id']}/heartbeats").json()["items"]
    assert shown["last_ping_at"] == rfc3339(api.clock.now() - timedelta(seconds=5))
