"""On-call schedules over HTTP on every backend: CRUD, overrides, who is on call, shifts,
the on-call overview, and the errors API.md names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher

from pagerd.adapters.passwords import Argon2Hasher
from pagerd.service_layer.users import create_user
from tests.e2e.conftest import Api

CHEAP = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def user(api: Api, name: str) -> str:
    made = create_user(api.container.uow_factory(), api.clock, name, "long enough pw", CHEAP)
    return str(made.id)


def weekly(people: list[str], handoff: str = "2026-11-23T09:00", **extra: Any) -> dict[str, Any]:
    rotation = {"type": "weekly", "shift_length": 1, "handoff": handoff}
    return {"participants": people, "rotation": rotation, **extra}


def create(api: Api, layers: list[dict[str, Any]], name: str = "Primary") -> dict[str, Any]:
    body = {"name": name, "time_zone": "Europe/Berlin", "layers": layers}
    answer = api.post("/api/v1/schedules", body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


FRIDAY = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(api: Api) -> dict[str, str]:
    """Three users; the clock moved to Friday 2026-11-27 12:00 UTC."""
    api.clock.advance(FRIDAY - api.clock.now())
    return {name: user(api, name) for name in ("alice", "bob", "carol")}


def test_a_schedule_is_created_read_listed_and_its_layers_replaced(
    api: Api, people: dict[str, str]
) -> None:
    nights = {"days": ["mon", "fri"], "start": "22:00", "end": "06:00"}
    made = create(api, [weekly([people["alice"], people["bob"]], restrictions=[nights])])

    assert set(made) == {"id", "name", "time_zone", "layers", "created_at"}
    assert made["layers"][0]["restrictions"] == [nights]
    assert made["layers"][0]["rotation"]["handoff"] == "2026-11-23T09:00"
    assert api.get(f"/api/v1/schedules/{made['id']}").json() == made
    assert [s["id"] for s in api.get("/api/v1/schedules").json()["items"]] == [made["id"]]

    body = {"name": "Primary", "time_zone": "UTC", "layers": [weekly([people["carol"]])]}
    replaced = api.put(f"/api/v1/schedules/{made['id']}", body).json()
    assert replaced["time_zone"] == "UTC"
    assert replaced["layers"][0]["participants"] == [people["carol"]]
    assert replaced["created_at"] == made["created_at"]


def test_the_on_call_person_follows_the_rotation_and_an_override_wins(
    api: Api, people: dict[str, str]
) -> None:
    schedule = create(api, [weekly([people["alice"], people["bob"]])])
    path = f"/api/v1/schedules/{schedule['id']}"
    # The fake clock starts 2026-11-27 (a Friday): alice's week began Monday 09:00 Berlin.
    now = api.get(f"{path}/on-call").json()
    assert now["user"]["id"] == people["alice"]
    assert now["layer"] == 0
    assert now["override_id"] is None
    assert (
        api.get(f"{path}/on-call", params={"at": "2026-12-01T08:00:00Z"}).json()["user"]["id"]
        == people["bob"]
    )

    cover = {
        "user_id": people["carol"],
        "start": "2026-12-01T07:00:00Z",
        "end": "2026-12-01T10:00:00Z",
    }
    override = api.post(f"{path}/overrides", cover)
    assert override.status_code == 201, override.text
    answer = api.get(f"{path}/on-call", params={"at": "2026-12-01T08:00:00Z"}).json()
    assert answer["user"]["id"] == people["carol"]
    assert answer["override_id"] == override.json()["id"]
    assert answer["layer"] is None
    listed = api.get(
        f"{path}/overrides", params={"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"}
    ).json()
    assert [o["id"] for o in listed["items"]] == [override.json()["id"]]

    assert api.delete(f"{path}/overrides/{override.json()['id']}").status_code == 204
    answer = api.get(f"{path}/on-call", params={"at": "2026-12-01T08:00:00Z"}).json()
    assert answer["user"]["id"] == people["bob"]


def test_the_shift_list_is_the_final_schedule_with_its_gaps(
    api: Api, people: dict[str, str]
) -> None:
    business = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
    schedule = create(api, [weekly([people["alice"]], restrictions=[business])])
    params = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    shifts = api.get(f"/api/v1/schedules/{schedule['id']}/shifts", params=params).json()

    assert shifts["items"] == [
        {
            "user_id": people["alice"],
            "start": "2026-11-30T08:00:00Z",  # 09:00 in Berlin (UTC+1)
            "end": "2026-11-30T16:00:00Z",
            "layer": 0,
            "override_id": None,
        }
    ]
    assert shifts["gaps"] == [
        {"start": "2026-11-30T00:00:00Z", "end": "2026-11-30T08:00:00Z"},
        {"start": "2026-11-30T16:00:00Z", "end": "2026-12-01T00:00:00Z"},
    ]


def test_the_on_call_overview_names_who_now_until_when_and_who_next(
    api: Api, people: dict[str, str]
) -> None:
    schedule = create(api, [weekly([people["alice"], people["bob"]])])

    items = api.get("/api/v1/oncall").json()["items"]
    for item in items:  # each user is the whole user (UserOut): only who matters here
        item["user"] = {k: item["user"][k] for k in ("id", "name")}
        item["next"]["user"] = {k: item["next"]["user"][k] for k in ("id", "name")}

    assert items == [
        {
            "schedule_id": schedule["id"],
            "schedule_name": "Primary",
            "user": {"id": people["alice"], "name": "alice"},
            "layer": 0,
            "override_id": None,
            "until": "2026-11-30T08:00:00Z",
            "next": {
                "user": {"id": people["bob"], "name": "bob"},
                "start": "2026-11-30T08:00:00Z",
                "end": "2026-12-07T08:00:00Z",
            },
        }
    ]


def _layer(kind: str = "daily", handoff: str = "2026-01-05T09:00", **extra: Any) -> Any:
    rotation = {"type": kind, "shift_length": 1, "handoff": handoff}
    return {"participants": ["P"], "rotation": rotation, **extra}


def _window(days: list[str], start: str) -> list[dict[str, Any]]:
    return [{"days": days, "start": start, "end": "06:00"}]


@pytest.mark.parametrize(
    ("layer", "field"),
    [
        ({**_layer(), "participants": []}, "layers.0.participants"),
        (_layer("monthly"), "layers.0.rotation.type"),
        (_layer(handoff="2026-01-05T09:00Z"), "layers.0.rotation.handoff"),
        (_layer(restrictions=_window(["mon"], "25:00")), "layers.0.restrictions.0.start"),
        (_layer(restrictions=_window(["someday"], "22:00")), "layers.0.restrictions.0.days"),
    ],
)
def test_an_invalid_layer_is_a_422_naming_the_field_and_stores_nothing(
    memory_api: Api, layer: dict[str, Any], field: str
) -> None:
    alice = user(memory_api, "alice")
    layer["participants"] = [alice if p == "P" else p for p in layer["participants"]]
    body = {"name": "Primary", "time_zone": "Europe/Berlin", "layers": [layer]}

    answer = memory_api.post("/api/v1/schedules", body)

    assert answer.status_code == 422, answer.text
    assert [d["field"] for d in answer.json()["error"]["details"]] == [field]
    assert memory_api.get("/api/v1/schedules").json()["items"] == []


def test_an_unknown_zone_or_participant_is_a_422(memory_api: Api) -> None:
    body: dict[str, Any] = {"name": "P", "time_zone": "Mars/Olympus", "layers": []}
    answer = memory_api.post("/api/v1/schedules", body)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "time_zone"

    body = {
        "name": "P",
        "time_zone": "UTC",
        "layers": [weekly(["6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"])],
    }
    answer = memory_api.post("/api/v1/schedules", body)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "layers.0.participants.0"


def test_shifts_beyond_90_days_and_instants_without_offset_are_422(
    memory_api: Api,
) -> None:
    alice = user(memory_api, "alice")
    path = f"/api/v1/schedules/{create(memory_api, [weekly([alice])])['id']}"

    too_long = {"from": "2026-01-01T00:00:00Z", "to": "2026-04-02T00:00:00Z"}
    assert memory_api.get(f"{path}/shifts", params=too_long).status_code == 422
    exactly = {"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
    assert memory_api.get(f"{path}/shifts", params=exactly).status_code == 200
    naive = memory_api.get(f"{path}/on-call", params={"at": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
    assert naive.json()["error"]["details"][0]["field"] == "at"
    backwards = {"user_id": alice, "start": "2026-12-02T00:00:00Z", "end": "2026-12-01T00:00:00Z"}
    assert memory_api.post(f"{path}/overrides", backwards).status_code == 422


def test_a_duplicate_name_is_409_and_unknown_ids_are_404(api: Api, people: dict[str, str]) -> None:
    create(api, [weekly([people["alice"]])])
    body = {"name": "Primary", "time_zone": "UTC", "layers": []}
    assert api.post("/api/v1/schedules", body).status_code == 409
    missing = "/api/v1/schedules/6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
    assert api.get(missing).status_code == 404
    assert api.get(f"{missing}/on-call").status_code == 404
    assert api.delete(missing).status_code == 404
    assert (
        api.delete(f"{missing}/overrides/6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f").status_code == 404
    )


def test_a_deleted_schedule_takes_its_overrides_with_it(api: Api, people: dict[str, str]) -> None:
    schedule = create(api, [weekly([people["alice"]])])
    path = f"/api/v1/schedules/{schedule['id']}"
    cover = {
        "user_id": people["bob"],
        "start": "2026-12-01T07:00:00Z",
        "end": "2026-12-01T10:00:00Z",
    }
    assert api.post(f"{path}/overrides", cover).status_code == 201

    assert api.delete(path).status_code == 204

    assert api.get(path).status_code == 404
    assert api.get("/api/v1/schedules").json()["items"] == []


def test_a_misspelt_gaps_flag_is_a_422_naming_it_not_a_quiet_default(memory_api: Api) -> None:
    answer = memory_api.get("/api/v1/oncall/gaps", params={"al": "true"})
    every = memory_api.get("/api/v1/oncall/gaps", params={"all": "true"})

    assert answer.status_code == 422, answer.text
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["al"]
    assert every.status_code == 200
