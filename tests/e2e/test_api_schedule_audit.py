"""Schedules and the people in them, on every backend: each schedule, override and calendar
feed change is in the audit log under who made it, and a user their rotation needs cannot
be deleted."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pagerd.domain.roles import Role
from pagerd.service_layer.tokens import create_api_token
from pagerd.service_layer.users import create_user
from tests.e2e.conftest import Api
from tests.e2e.test_api_schedules import FRIDAY, create, user, weekly


def audit(api: Api) -> list[dict[str, Any]]:
    """The audit log's schedule, override and feed entries, oldest first."""
    items = api.get("/api/v1/audit-log").json()["items"]
    kinds = ("schedule.", "override.", "calendar_feed.")
    return [e for e in reversed(items) if e["action"].startswith(kinds)]


def test_schedule_and_override_changes_are_audited_under_the_token_that_made_them(
    api: Api,
) -> None:
    api.clock.advance(FRIDAY - api.clock.now())
    alice, bob = user(api, "alice"), user(api, "bob")
    made = create(api, [weekly([alice])])
    path = f"/api/v1/schedules/{made['id']}"
    body = {"name": "Primary", "time_zone": "UTC", "layers": [weekly([alice, bob])]}
    cover = {"user_id": bob, "start": "2026-12-01T07:00:00Z", "end": "2026-12-01T10:00:00Z"}

    tick = timedelta(seconds=1)  # entries of one instant have no order between them
    api.clock.advance(tick)
    assert api.put(path, body).status_code == 200
    api.clock.advance(tick)
    override = api.post(f"{path}/overrides", cover).json()
    api.clock.advance(tick)
    assert api.delete(f"{path}/overrides/{override['id']}").status_code == 204
    api.clock.advance(tick)
    assert api.delete(path).status_code == 204

    entries = audit(api)
    assert [(e["action"], e["subject_id"], e["actor_name"]) for e in entries] == [
        ("schedule.created", made["id"], "token tests"),
        ("schedule.replaced", made["id"], "token tests"),
        ("override.added", override["id"], "token tests"),
        ("override.deleted", override["id"], "token tests"),
        ("schedule.deleted", made["id"], "token tests"),
    ]
    replaced = entries[1]
    assert replaced["before"]["layers"][0]["participants"] == [alice]
    assert replaced["after"]["layers"][0]["participants"] == [alice, bob]
    assert replaced["after"]["time_zone"] == "UTC"
    assert entries[2]["after"]["user_id"] == bob
    assert entries[4]["before"]["name"] == "Primary"


def test_a_refused_schedule_change_writes_nothing_to_the_audit_log(api: Api) -> None:
    alice = user(api, "alice")
    create(api, [weekly([alice])])
    before = audit(api)

    taken = api.post(
        "/api/v1/schedules", {"name": "Primary", "time_zone": "UTC", "layers": [weekly([alice])]}
    )

    assert taken.status_code == 409
    assert audit(api) == before


def test_a_new_calendar_feed_is_audited_as_its_user_without_its_secret(api: Api) -> None:
    rae = create_user(api.container.uow_factory(), api.clock, "rae", role=Role.RESPONDER)
    _, secret = create_api_token(api.container.uow_factory(), api.clock, "rae", rae.id)

    made = api.client.post(
        f"/api/v1/users/{rae.id}/calendar-feed", headers={"Authorization": f"Bearer {secret}"}
    )

    [entry] = audit(api)
    assert made.status_code == 201
    assert (entry["action"], entry["subject_id"]) == ("calendar_feed.created", str(rae.id))
    assert (entry["actor_name"], entry["actor_id"]) == ("rae", str(rae.id))
    token = made.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in json.dumps(entry)


def test_the_only_participant_of_a_rotation_cannot_be_deleted(api: Api) -> None:
    alice, bob = user(api, "alice"), user(api, "bob")
    made = create(api, [weekly([alice]), weekly([alice, bob])], name="Primary")

    refused = api.delete(f"/api/v1/users/{alice}")
    shared = api.delete(f"/api/v1/users/{bob}")

    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert f'rotation of schedule "Primary" ({made["id"]})' in message
    assert api.get(f"/api/v1/users/{alice}").status_code == 200
    assert shared.status_code == 204


def test_a_user_can_be_deleted_once_their_rotation_has_someone_else(api: Api) -> None:
    alice, bob = user(api, "alice"), user(api, "bob")
    made = create(api, [weekly([alice])])
    body = {"name": "Primary", "time_zone": "UTC", "layers": [weekly([bob])]}

    assert api.put(f"/api/v1/schedules/{made['id']}", body).status_code == 200

    assert api.delete(f"/api/v1/users/{alice}").status_code == 204
