"""Escalating to a schedule over HTTP on every backend: a level whose target is
`{"type": "schedule", "schedule_id"}` pages whoever is on call when it triggers, by their
contact methods; nobody on call escalates at once; the timeline names who was resolved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_api_schedules import FRIDAY, create, user, weekly

MINUTE = 60


def _email(api: Api, user_id: str, address: str) -> None:
    body = {"type": "email", "address": address}
    answer = api.post(f"/api/v1/users/{user_id}/contact-methods", body)
    assert answer.status_code == 201, answer.text


@pytest.fixture
def team(api: Api) -> dict[str, str]:
    """alice, bob and carol, each with an e-mail address; the clock on Friday 12:00 UTC,
    in alice's week of a weekly rotation alice, bob."""
    api.clock.advance(FRIDAY - api.clock.now())
    people = {name: user(api, name) for name in ("alice", "bob", "carol")}
    for name, user_id in people.items():
        _email(api, user_id, f"{name}@example.com")
    return people


def _schedule_policy(api: Api, schedule_id: str, *more_levels: dict[str, Any]) -> str:
    service_id = str(api.create_service()["id"])
    first = {"ack_timeout_seconds": 30 * MINUTE, "targets": [_target(schedule_id)]}
    api.put_policy(service_id, [first, *more_levels])
    return service_id


def _target(schedule_id: str) -> dict[str, str]:
    return {"type": "schedule", "schedule_id": schedule_id}


def _timeline(api: Api, alert_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get(f"/api/v1/alerts/{alert_id}/timeline").json()["items"]
    return items


def test_an_alert_pages_the_schedules_current_person_and_the_timeline_names_them(
    api: Api, team: dict[str, str]
) -> None:
    schedule = create(api, [weekly([team["alice"], team["bob"]])])
    service_id = _schedule_policy(api, schedule["id"])

    alert_id = api.alert(service_id, "checkout is down")["alert"]["id"]
    api.advance(0)

    assert api.paged() == ["alice@example.com"]
    pages = api.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
    assert [(p["user_id"], p["status"]) for p in pages] == [(team["alice"], "sent")]
    timeline = _timeline(api, alert_id)
    resolved = next(e for e in timeline if e["type"] == "schedule_resolved")
    assert resolved["summary"] == "Primary: alice"
    assert (resolved["schedule_id"], resolved["user_id"]) == (schedule["id"], team["alice"])
    paged = next(e for e in timeline if e["type"] == "user_paged")
    assert (paged["user_name"], paged["target_id"]) == ("alice", resolved["target_id"])


def test_an_override_made_a_moment_before_changes_who_is_paged(
    api: Api, team: dict[str, str]
) -> None:
    schedule = create(api, [weekly([team["alice"], team["bob"]])])
    service_id = _schedule_policy(api, schedule["id"])
    cover = {
        "user_id": team["carol"],
        "start": api.clock.now().isoformat(),
        "end": "2026-11-27T18:00:00+00:00",
    }
    assert api.post(f"/api/v1/schedules/{schedule['id']}/overrides", cover).status_code == 201
    api.advance(1)

    alert_id = api.alert(service_id)["alert"]["id"]
    api.advance(0)

    assert api.paged() == ["carol@example.com"]
    resolved = next(e for e in _timeline(api, alert_id) if e["type"] == "schedule_resolved")
    assert resolved["summary"] == "Primary: carol"
    assert resolved["override_id"] is not None


def test_a_schedule_with_nobody_on_call_escalates_at_once_to_the_next_level(
    api: Api, team: dict[str, str]
) -> None:
    # Nights only (22:00-06:00 Berlin): nobody is on call on Friday at 13:00 Berlin.
    nights = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "22:00", "end": "06:00"}
    schedule = create(api, [weekly([team["alice"]], restrictions=[nights])], name="Nights")
    backup = {"ack_timeout_seconds": 30 * MINUTE, "targets": [_user_target(team["bob"])]}
    service_id = _schedule_policy(api, schedule["id"], backup)

    alert_id = api.alert(service_id)["alert"]["id"]
    api.advance(0)

    assert api.paged() == ["bob@example.com"]  # at once, not after the 30 minutes
    timeline = _timeline(api, alert_id)
    resolved = next(e for e in timeline if e["type"] == "schedule_resolved")
    assert resolved["summary"] == "Nights: nobody on call"
    assert resolved["user_id"] is None
    assert "level_failed" in [e["type"] for e in timeline]
    alert = api.get(f"/api/v1/alerts/{alert_id}").json()
    assert alert["notified_level_id"] == 1


def _user_target(user_id: str) -> dict[str, str]:
    return {"type": "user", "user_id": user_id}


def test_a_policy_naming_an_unknown_schedule_is_a_422_naming_the_field(
    api: Api, team: dict[str, str]
) -> None:
    service_id = api.create_service()["id"]
    path = f"/api/v1/services/{service_id}/escalation-policy"
    unknown = _target("00000000-0000-4000-8000-000000000000")
    answer = api.put(path, {"levels": [{"targets": [unknown]}]})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "levels.0.targets.0.schedule_id"
    missing = api.put(path, {"levels": [{"targets": [{"type": "schedule"}]}]})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["field"] == "levels.0.targets.0.schedule_id"
    assert api.get(path).status_code == 404  # nothing stored


def test_a_policy_answers_its_schedule_targets(api: Api, team: dict[str, str]) -> None:
    schedule = create(api, [weekly([team["alice"]])])
    service_id = _schedule_policy(api, schedule["id"])
    policy = api.get(f"/api/v1/services/{service_id}/escalation-policy").json()
    (target,) = policy["levels"][0]["targets"]
    assert (target["type"], target["schedule_id"]) == ("schedule", schedule["id"])


def test_a_schedule_a_policy_targets_cannot_be_deleted_and_its_gaps_are_reported(
    api: Api, team: dict[str, str]
) -> None:
    nights = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "22:00", "end": "06:00"}
    schedule = create(api, [weekly([team["alice"]], restrictions=[nights])])
    service_id = _schedule_policy(api, schedule["id"])
    path = f"/api/v1/schedules/{schedule['id']}"

    refused = api.delete(path)
    assert refused.status_code == 409
    assert "checkout" in refused.json()["error"]["message"]
    assert api.get(path).status_code == 200

    gaps = api.get("/api/v1/oncall/gaps")
    assert gaps.status_code == 200, gaps.text
    (found,) = gaps.json()["items"]
    assert (found["schedule_id"], found["services"]) == (schedule["id"], ["checkout"])

    api.put_policy(service_id, [{"targets": [_user_target(team["bob"])]}])
    assert api.delete(path).status_code == 204
