"""`/api/v1/users` and `/api/v1/audit-log` over HTTP, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api


def create(api: Api, name: str, email: str, **extra: Any) -> dict[str, Any]:
    answer = api.post("/api/v1/users", {"name": name, "email": email, **extra})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_user_is_created_read_listed_changed_and_deleted(api: Api) -> None:
    ada = create(api, "Ada Lovelace", "Ada@Example.com", time_zone="Europe/London")
    api.clock.advance(1)
    grace = create(api, "grace", "grace@example.com", role="admin")

    changed = api.client.patch(
        f"/api/v1/users/{ada['id']}", json={"role": "viewer", "disabled": True}, headers=api.headers
    )
    listed = api.get("/api/v1/users?limit=1")
    following = api.get(f"/api/v1/users?limit=1&cursor={listed.json()['next_cursor']}")
    deleted = api.delete(f"/api/v1/users/{ada['id']}")

    assert ada["email"] == "ada@example.com"
    assert (ada["role"], ada["time_zone"], ada["disabled"]) == ("responder", "Europe/London", False)
    assert ada["has_password"] is False
    assert ada["created_at"].endswith("Z")
    assert api.get(f"/api/v1/users/{grace['id']}").json() == grace
    assert (changed.json()["role"], changed.json()["disabled"]) == ("viewer", True)
    assert [u["name"] for u in listed.json()["items"] + following.json()["items"]] == [
        "Ada Lovelace",
        "grace",
    ]
    assert deleted.status_code == 204
    assert api.get(f"/api/v1/users/{ada['id']}").status_code == 404
    assert api.delete(f"/api/v1/users/{ada['id']}").status_code == 404


def test_every_bad_field_of_a_new_user_is_named(memory_api: Api) -> None:
    body = {"name": " -x", "email": "not-an-address", "time_zone": "Mars/Olympus"}

    answer = memory_api.post("/api/v1/users", body)

    assert answer.status_code == 422
    assert {d["field"] for d in answer.json()["error"]["details"]} == {
        "name",
        "email",
        "time_zone",
    }
    assert memory_api.get("/api/v1/users").json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com"},
        {"name": "a", "email": "a@example.com", "role": "owner"},
        {"name": "a\x00", "email": "a@example.com"},
        {"name": "a", "email": "a@example.com", "time_zone": "x" * 65},
        {"name": "a" * 65, "email": "a@example.com"},
    ],
)
def test_a_malformed_user_is_a_422_not_a_500(memory_api: Api, body: dict[str, Any]) -> None:
    assert memory_api.post("/api/v1/users", body).status_code == 422


def test_a_name_or_email_is_taken_once(api: Api) -> None:
    create(api, "ada", "ada@example.com")

    by_name = api.post("/api/v1/users", {"name": "ada", "email": "other@example.com"})
    by_email = api.post("/api/v1/users", {"name": "other", "email": "ADA@example.com"})

    assert (by_name.status_code, by_name.json()["error"]["code"]) == (409, "name_taken")
    assert (by_email.status_code, by_email.json()["error"]["code"]) == (409, "email_taken")


def test_the_last_enabled_admin_cannot_be_demoted_disabled_or_deleted(api: Api) -> None:
    root = create(api, "root", "root@example.com", role="admin")
    path = f"/api/v1/users/{root['id']}"

    demoted = api.client.patch(path, json={"role": "viewer"}, headers=api.headers)
    disabled = api.client.patch(path, json={"disabled": True}, headers=api.headers)
    deleted = api.delete(path)

    for answer in (demoted, disabled, deleted):
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "last_admin"
        assert "root is the only enabled admin" in answer.json()["error"]["message"]


def test_the_audit_log_lists_changes_newest_first_in_pages(api: Api) -> None:
    for n in range(3):
        create(api, f"user{n}", f"user{n}@example.com")
        api.clock.advance(1)

    first = api.get("/api/v1/audit-log?limit=2").json()
    rest = api.get(f"/api/v1/audit-log?limit=2&cursor={first['next_cursor']}").json()

    entries = first["items"] + rest["items"]
    created = [e for e in entries if e["action"] == "user.created"]
    assert [e["after"]["name"] for e in created] == ["user2", "user1", "user0"]
    assert created[0]["actor_name"] == "token tests"
    assert created[0]["subject_type"] == "user"
    assert created[0]["at"].endswith("Z")
    assert created[0]["before"] is None


def test_the_openapi_document_describes_users_roles_and_the_audit_log(memory_api: Api) -> None:
    document = memory_api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    for model in ("UserIn", "UserPatch", "UserOut", "AuditEntryOut"):
        for name, field in schemas[model]["properties"].items():
            assert field.get("description"), (model, name)
            assert field.get("examples") or field.get("default") is not None, (model, name)
    delete = document["paths"]["/api/v1/services/{id}"]["delete"]
    assert delete["x-pagerd-permission"] == "configure"
    assert "Allowed to an admin." in delete["description"]
    assert "403" in delete["responses"]
