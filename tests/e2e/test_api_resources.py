"""Services, escalation policies, alerts and the dev outbox through `/api/v1`, on every
backend: shapes, lists with cursors, filters, and the conflicts API.md names."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from tests.e2e.conftest import Api

ONE_LEVEL: list[dict[str, Any]] = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]


def _all_pages(api: Api, path: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = api.get(path, params=params).json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_a_created_service_has_the_documented_fields_and_can_be_read_back(api: Api) -> None:
    created = api.create_service("  payments  ")

    assert set(created) == {
        "id",
        "name",
        "status",
        "integration_key",
        "incident_grouping",
        "paging_severity",
        "created_at",
    }
    assert created["name"] == "payments"
    assert (created["incident_grouping"], created["paging_severity"]) == ("service", "info")
    assert created["status"] == "healthy"
    assert created["created_at"].endswith("Z")
    assert api.get(f"/api/v1/services/{created['id']}").json() == created


def test_services_are_listed_oldest_first_across_pages(api: Api) -> None:
    names = [f"service-{n}" for n in range(5)]
    for name in names:
        api.create_service(name)
        api.clock.advance(1)

    listed = _all_pages(api, "/api/v1/services", limit=2)

    assert [s["name"] for s in listed] == names


def test_a_duplicate_service_name_is_a_conflict(api: Api) -> None:
    api.create_service("checkout")

    answer = api.post("/api/v1/services", {"name": "checkout"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "invalid_name"


def test_a_service_with_an_open_alert_cannot_be_deleted_until_it_is_healthy(api: Api) -> None:
    service_id = api.create_service()["id"]
    api.alert(service_id)

    refused = api.delete(f"/api/v1/services/{service_id}")
    api.post(f"/api/v1/services/{service_id}/healthy")
    deleted = api.delete(f"/api/v1/services/{service_id}")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert api.get(f"/api/v1/services/{service_id}").status_code == 404


def test_a_policy_is_answered_with_level_and_target_ids_and_lowercase_types(api: Api) -> None:
    service_id = api.create_service()["id"]
    levels = [
        {"targets": [{"type": "SMS", "phone_number": "+5492664295169"}]},
        {"ack_timeout_seconds": 60, "targets": [{"type": "Webhook", "url": "https://h.example"}]},
    ]

    stored = api.put(f"/api/v1/services/{service_id}/escalation-policy", {"levels": levels})
    read = api.get(f"/api/v1/services/{service_id}/escalation-policy")

    assert stored.status_code == 200
    assert read.json() == stored.json()
    policy = read.json()
    assert policy["repeat"] == 0
    assert [level["id"] for level in policy["levels"]] == [0, 1]
    assert [level["ack_timeout_seconds"] for level in policy["levels"]] == [900, 60]
    sms, webhook = policy["levels"][0]["targets"][0], policy["levels"][1]["targets"][0]
    assert set(sms) == {"id", "type", "phone_number"}
    assert sms["type"] == "sms"
    assert webhook == {"id": webhook["id"], "type": "webhook", "url": "https://h.example"}


def test_a_service_without_a_policy_answers_404_for_its_policy(api: Api) -> None:
    service_id = api.create_service()["id"]

    answer = api.get(f"/api/v1/services/{service_id}/escalation-policy")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_an_alert_for_a_service_without_a_policy_is_recorded_and_pages_nobody(api: Api) -> None:
    service_id = api.create_service()["id"]

    received = api.alert(service_id, "disk full")
    api.run_workers()

    assert received["alert"]["notified_level_id"] is None
    assert api.paged() == []
    timeline = api.get(f"/api/v1/alerts/{received['alert']['id']}/timeline").json()["items"]
    assert [e["type"] for e in timeline] == ["opened", "no_policy"]


def test_alerts_are_listed_newest_first_and_filtered_by_status_and_service(api: Api) -> None:
    first = api.create_service("first")["id"]
    second = api.create_service("second")["id"]
    resolved = api.alert(first, "old")["alert"]["id"]
    api.post(f"/api/v1/services/{first}/healthy")
    api.clock.advance(1)
    open_first = api.alert(first, "new")["alert"]["id"]
    api.clock.advance(1)
    open_second = api.alert(second, "other")["alert"]["id"]

    every = [a["id"] for a in _all_pages(api, "/api/v1/alerts", limit=1)]
    opened = api.get("/api/v1/alerts", params={"status": "open"}).json()["items"]
    of_first = api.get("/api/v1/alerts", params={"monitored_service_id": first}).json()["items"]

    assert every == [open_second, open_first, resolved]
    assert [a["id"] for a in opened] == [open_second, open_first]
    assert [a["id"] for a in of_first] == [open_first, resolved]


def test_an_alert_answers_every_documented_field(api: Api) -> None:
    service_id = api.create_service()["id"]

    alert = api.alert(service_id, "down", dedup_key="probe-1")["alert"]

    assert set(alert) == {
        "id",
        "monitored_service_id",
        "message",
        "status",
        "notified_level_id",
        "dedup_keys",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "severity",
        "source",
        "details",
        "links",
        "dedup_key_count",
        "escalation_ended_at",
    }
    assert alert["dedup_keys"] == ["probe-1"]
    assert (alert["severity"], alert["source"], alert["details"], alert["links"]) == (
        "critical",
        None,
        {},
        [],
    )


def test_acknowledging_is_idempotent_and_a_resolved_alert_answers_409(api: Api) -> None:
    service_id = api.create_service()["id"]
    alert_id = api.alert(service_id)["alert"]["id"]

    first = api.post(f"/api/v1/alerts/{alert_id}/acknowledge")
    again = api.post(f"/api/v1/alerts/{alert_id}/acknowledge", {"by": "bob"})
    api.post(f"/api/v1/services/{service_id}/healthy", {})
    after_resolve = api.post(f"/api/v1/alerts/{alert_id}/acknowledge", {})

    assert first.status_code == again.status_code == 200
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert again.json()["acknowledged_by"] == "token tests"  # the caller, when `by` is absent
    assert after_resolve.status_code == 409
    assert after_resolve.json()["error"]["code"] == "alert_resolved"


def test_marking_a_healthy_service_healthy_again_changes_nothing(api: Api) -> None:
    service_id = api.create_service()["id"]

    answers = [api.post(f"/api/v1/services/{service_id}/healthy", {}) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()


def test_notifications_of_an_alert_show_each_page_and_its_delivery(api: Api) -> None:
    service_id = api.create_service()["id"]
    api.put_policy(service_id, ONE_LEVEL)
    alert_id = api.alert(service_id)["alert"]["id"]
    pending = api.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
    api.run_workers()

    sent = api.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]

    assert [n["status"] for n in pending] == ["pending"]
    assert len(sent) == 1
    assert {
        "level_id": 0,
        "channel": "email",
        "address": "oncall@example.com",
        "status": "sent",
        "attempts": 1,
        "last_error": None,
    }.items() <= sent[0].items()
    assert sent[0]["sent_at"].endswith("Z")


def test_a_long_timeline_is_paged_oldest_first(api: Api) -> None:
    service_id = api.create_service()["id"]
    alert_id = api.alert(service_id, "m0")["alert"]["id"]
    for n in range(1, 6):
        api.alert(service_id, f"m{n}")

    entries = _all_pages(api, f"/api/v1/alerts/{alert_id}/timeline", limit=2)

    messages = [e.get("message") for e in entries if e["type"] in ("opened", "joined")]
    assert messages == [f"m{n}" for n in range(6)]


def test_the_dev_outbox_lists_messages_newest_first(api: Api) -> None:
    uow = api.container.uow_factory()
    with uow:
        for n in range(3):
            api.clock.advance(1)
            uow.dev_outbox.add(
                DevMessage(
                    uuid4(), Channel.EMAIL, "a@example.com", f"s{n}", "b", uuid4(), api.clock.now()
                )
            )
        uow.commit()

    listed = _all_pages(api, "/api/v1/outbox", limit=2)

    assert [m["subject"] for m in listed] == ["s2", "s1", "s0"]
    assert set(listed[0]) == {
        "id",
        "channel",
        "address",
        "subject",
        "body",
        "idempotency_key",
        "created_at",
    }
