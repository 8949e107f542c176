"""Integration keys rotate with an overlap: the old key keeps working until the overlap ends,
then only the new one does (issue 19, item 10)."""

from __future__ import annotations

from typing import Any

from pagerd.service_layer.services import service_for_integration_key
from tests.e2e.browser.console_app import ConsoleApp
from tests.e2e.conftest import Api


def trigger(key: str, dedup_key: str) -> dict[str, Any]:
    payload = {"summary": "disk full", "source": "host1", "severity": "critical"}
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": payload,
    }


def firing(api: Api, key: str, fingerprint: str) -> int:
    alert = {"status": "firing", "labels": {"alertname": "Disk"}, "fingerprint": fingerprint}
    body = {"version": "4", "status": "firing", "alerts": [alert]}
    answer = api.client.post(f"/integrations/alertmanager?integration_key={key}", json=body)
    return answer.status_code


def test_the_old_key_works_during_the_overlap_and_not_after(api: Api) -> None:
    service = api.create_service()
    old = service["integration_key"]

    rotated = api.post(
        f"/api/v1/services/{service['id']}/integration-key/rotate", {"overlap_seconds": 600}
    )
    new = rotated.json()["service"]["integration_key"]
    during = [
        api.client.post("/v2/enqueue", json=trigger(old, "a")).status_code,
        firing(api, old, "b"),
        api.client.post("/v2/enqueue", json=trigger(new, "c")).status_code,
    ]
    api.clock.advance(601)
    after = [
        api.client.post("/v2/enqueue", json=trigger(old, "d")).status_code,
        firing(api, old, "e"),
        api.client.post("/v2/enqueue", json=trigger(new, "f")).status_code,
    ]

    assert rotated.status_code == 200, rotated.text
    assert new != old
    assert rotated.json()["previous_key_expires_at"] is not None
    assert api.get(f"/api/v1/services/{service['id']}").json()["integration_key"] == new
    assert during == [202, 200, 202]
    assert after == [400, 401, 202]


def test_a_rotation_without_overlap_ends_the_old_key_at_once(api: Api) -> None:
    service = api.create_service()

    rotated = api.post(
        f"/api/v1/services/{service['id']}/integration-key/rotate", {"overlap_seconds": 0}
    )

    assert rotated.json()["previous_key_expires_at"] is None
    assert firing(api, service["integration_key"], "a") == 401


def test_the_default_overlap_is_a_day_and_an_empty_body_is_accepted(memory_api: Api) -> None:
    service = memory_api.create_service()

    rotated = memory_api.client.post(
        f"/api/v1/services/{service['id']}/integration-key/rotate", headers=memory_api.headers
    )

    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["previous_key_expires_at"].startswith("2026-01-02T09:00:00")


def test_a_rotation_needs_a_known_service_and_a_sane_overlap(memory_api: Api) -> None:
    service = memory_api.create_service()
    path = f"/api/v1/services/{service['id']}/integration-key/rotate"

    assert memory_api.post(path, {"overlap_seconds": -1}).status_code == 422
    assert memory_api.post(path, {"overlap_seconds": 31 * 86400}).status_code == 422
    unknown = "/api/v1/services/00000000-0000-4000-8000-000000000000/integration-key/rotate"
    assert memory_api.post(unknown, {}).status_code == 404
    assert memory_api.client.post(path, json={}).status_code == 401


def test_the_service_page_rotates_the_key_keeping_the_old_one_for_the_chosen_overlap() -> None:
    console = ConsoleApp()
    client, csrf = console.signed_in_client()
    service_id = console.service()
    with console.uow() as uow:
        old = uow.services.get(service_id).integration_key  # type: ignore[union-attr]

    answer = client.post(
        f"/services/{service_id}/integration-key/rotate",
        data={"csrf_token": csrf, "overlap_hours": "1"},
    )
    page = client.get(f"/services/{service_id}").text
    with console.uow() as uow:
        new = uow.services.get(service_id).integration_key  # type: ignore[union-attr]
    during = service_for_integration_key(console.uow(), old, console.clock.now())
    console.clock.advance(3601)
    after = service_for_integration_key(console.uow(), old, console.clock.now())

    assert answer.status_code == 303
    assert new != old
    assert new in page
    assert "The previous key keeps working until 2026-01-01 10:00:00 UTC" in page
    assert during is not None
    assert during.id == service_id
    assert after is None


def test_the_service_page_refuses_a_rotation_without_the_csrf_token() -> None:
    console = ConsoleApp()
    client, _ = console.signed_in_client()
    service_id = console.service()
    with console.uow() as uow:
        old = uow.services.get(service_id).integration_key  # type: ignore[union-attr]

    answer = client.post(f"/services/{service_id}/integration-key/rotate", data={})

    assert answer.status_code == 403
    with console.uow() as uow:
        assert uow.services.get(service_id).integration_key == old  # type: ignore[union-attr]
