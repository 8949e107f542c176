"""Roles on `/api/v1`: each role against each kind of endpoint, over HTTP, on every backend.

Viewers read; responders also act on incidents and their own profile; admins (and the
admin token, and tokens of nobody) do everything. Refusals are 403 `forbidden`, say who may,
and change nothing. The routes are read from the application itself, so a route added
later is held to the same rules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.routing import APIRoute
from httpx import Response

from pagerd.domain.roles import Permission, Role
from pagerd.domain.schedule_build import LayerSpec
from pagerd.entrypoints.http.permissions import api_routes as all_api_routes
from pagerd.entrypoints.http.permissions import route_permissions
from pagerd.service_layer.schedules import add_override, create_schedule
from pagerd.service_layer.tokens import create_api_token
from pagerd.service_layer.user_changes import set_disabled
from pagerd.service_layer.users import create_user
from tests.e2e.conftest import ADMIN_TOKEN, Api

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
LEVELS = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]


class Team:
    """An Api with a service in incident, one user (with a token) of each role, and a
    schedule rotating the responder and the admin with an override putting the admin on."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.service = api.create_service("checkout")
        api.put_policy(self.service["id"], LEVELS)
        self.alert = api.alert(self.service["id"])["alert"]
        self.users: dict[Role, UUID] = {}
        self.headers: dict[Role, dict[str, str]] = {}
        for role in Role:
            uow, clock = api.container.uow_factory, api.clock
            user = create_user(
                uow(), clock, f"the-{role.value}", email=f"{role.value}@x.io", role=role
            )
            _, secret = create_api_token(uow(), clock, role.value, user.id)
            self.users[role] = user.id
            self.headers[role] = {"Authorization": f"Bearer {secret}"}
        rotating = [self.users[Role.RESPONDER], self.users[Role.ADMIN]]
        layer = LayerSpec(rotating, "weekly", 1, "2026-01-05T09:00")
        self.schedule = create_schedule(
            api.container.uow_factory(), api.clock, "ops", "UTC", [layer]
        )
        self.override = add_override(
            api.container.uow_factory(),
            api.clock,
            self.schedule.id,
            self.users[Role.ADMIN],
            self.span(),
        )
        admin = self.users[Role.ADMIN]
        method = {"type": "email", "address": "admin@example.com"}
        self.method = api.post(f"/api/v1/users/{admin}/contact-methods", method).json()
        sent = api.post(f"/api/v1/users/{admin}/contact-methods/{self.method['id']}/test", {})
        self.test_message = sent.json()

    def span(self, days: int = 1) -> tuple[Any, Any]:
        """A day starting `days` days from now."""
        start = self.api.clock.now() + timedelta(days=days)
        return start, start + timedelta(days=1)

    def call(self, role: Role, method: str, path: str, body: Any = None) -> Response:
        answer: Response = self.api.client.request(
            method, path, headers=self.headers[role], json=body
        )
        return answer

    def path_of(self, route: APIRoute) -> str:
        """The route's path with real ids, so that only the role can refuse."""
        ids = {
            "/api/v1/services": self.service["id"],
            "/api/v1/alerts": self.alert["id"],
            "/api/v1/users": str(self.users[Role.ADMIN]),
            "/api/v1/schedules": str(self.schedule.id),
        }
        found = next((v for prefix, v in ids.items() if route.path.startswith(prefix)), None)
        path = route.path.replace("{oid}", str(self.override.id))
        path = path.replace("{cm_id}", self.method["id"])
        path = path.replace("{test_id}", self.test_message["id"])
        return path.replace("{id}", found or "0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10")

    def state(self) -> list[Any]:
        """Everything a write could change, read with the admin token."""
        paths = [
            "/api/v1/services",
            "/api/v1/alerts",
            "/api/v1/users",
            "/api/v1/audit-log",
            "/api/v1/schedules",
            f"/api/v1/schedules/{self.schedule.id}/overrides",
        ]
        return [self.api.get(p).json() for p in paths]

    def override_body(self, role: Role, days: int = 2) -> dict[str, str]:
        """An override request putting `role`'s user on call for a day."""
        start, end = self.span(days)
        return {
            "user_id": str(self.users[role]),
            "start": start.isoformat(),
            "end": end.isoformat(),
        }


def api_routes(api: Api) -> list[APIRoute]:
    found = all_api_routes(api.app)
    assert len(found) >= 17  # the routes of this version at least: the list is not empty
    return found


@pytest.fixture
def team(api: Api) -> Team:
    return Team(api)


def _is_403(answer: Response) -> bool:
    return answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"


def test_every_api_route_declares_exactly_one_permission(memory_api: Api) -> None:
    undeclared = [
        (sorted(r.methods), r.path)
        for r in api_routes(memory_api)
        if len(route_permissions(r)) != 1
    ]

    assert undeclared == []


def test_every_write_route_needs_more_than_reading(memory_api: Api) -> None:
    lax = [
        (sorted(r.methods), r.path)
        for r in api_routes(memory_api)
        if r.methods & WRITES and Permission.READ in route_permissions(r)
    ]

    assert lax == []


def test_a_viewers_token_is_refused_every_write_and_nothing_changes(team: Team) -> None:
    writes = [(m, r) for r in api_routes(team.api) for m in sorted(r.methods & WRITES)]
    before = team.state()

    answers = {(m, r.path): team.call(Role.VIEWER, m, team.path_of(r), {}) for m, r in writes}

    assert len(writes) >= 9
    assert {k: a.status_code for k, a in answers.items() if not _is_403(a)} == {}
    assert team.state() == before
    message = answers[("DELETE", "/api/v1/services/{id}")].json()["error"]["message"]
    assert message == "this needs an admin; the-viewer is a viewer"


def test_a_viewer_reads_everything_but_the_audit_log(team: Team) -> None:
    reads = [r for r in api_routes(team.api) if "GET" in r.methods]

    answers = {r.path: team.call(Role.VIEWER, "GET", team.path_of(r)).status_code for r in reads}

    assert answers.pop("/api/v1/audit-log") == 403
    assert set(answers.values()) == {200}, answers


def test_a_responder_acts_on_incidents(team: Team) -> None:
    alert_path = f"/api/v1/alerts/{team.alert['id']}"

    acked = team.call(Role.RESPONDER, "POST", f"{alert_path}/acknowledge", {})
    healed = team.call(Role.RESPONDER, "POST", f"/api/v1/services/{team.service['id']}/healthy")
    raised = team.call(
        Role.RESPONDER,
        "POST",
        "/api/v1/alerts",
        {"monitored_service_id": team.service["id"], "message": "again"},
    )

    assert (acked.status_code, acked.json()["status"]) == (200, "acknowledged")
    assert (healed.status_code, healed.json()["status"]) == (200, "healthy")
    assert raised.status_code == 202


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/services", {"name": "new"}),
        ("DELETE", "/api/v1/services/{service}", None),
        ("PUT", "/api/v1/services/{service}/escalation-policy", {"levels": LEVELS}),
        ("POST", "/api/v1/users", {"name": "eve", "email": "eve@x.io"}),
        ("DELETE", "/api/v1/users/{viewer}", None),
        ("PATCH", "/api/v1/users/{viewer}", {"time_zone": "Europe/Paris"}),
        ("PATCH", "/api/v1/users/{responder}", {"role": "admin"}),
        ("PATCH", "/api/v1/users/{responder}", {"disabled": True}),
        ("GET", "/api/v1/audit-log", None),
        ("POST", "/api/v1/schedules", {"name": "new", "time_zone": "UTC", "layers": []}),
        ("PUT", "/api/v1/schedules/{schedule}", {"name": "x", "time_zone": "UTC", "layers": []}),
        ("DELETE", "/api/v1/schedules/{schedule}", None),
    ],
)
def test_a_responder_is_refused_configuration_and_other_peoples_profiles(
    team: Team, method: str, path: str, body: Any
) -> None:
    path = path.format(
        service=team.service["id"],
        viewer=team.users[Role.VIEWER],
        responder=team.users[Role.RESPONDER],
        schedule=team.schedule.id,
    )

    assert _is_403(team.call(Role.RESPONDER, method, path, body))


def test_a_responder_edits_their_own_profile(team: Team) -> None:
    mine = f"/api/v1/users/{team.users[Role.RESPONDER]}"

    answer = team.call(Role.RESPONDER, "PATCH", mine, {"time_zone": "Asia/Tokyo", "name": "Rae"})

    assert answer.status_code == 200
    assert (answer.json()["time_zone"], answer.json()["name"]) == ("Asia/Tokyo", "Rae")


def test_a_responder_takes_and_gives_back_shifts_only_for_themselves(team: Team) -> None:
    overrides = f"/api/v1/schedules/{team.schedule.id}/overrides"
    before = team.state()

    for_someone = team.call(Role.RESPONDER, "POST", overrides, team.override_body(Role.VIEWER))
    someones_gone = team.call(Role.RESPONDER, "DELETE", f"{overrides}/{team.override.id}")
    unchanged = team.state()
    mine = team.call(Role.RESPONDER, "POST", overrides, team.override_body(Role.RESPONDER))
    mine_gone = team.call(Role.RESPONDER, "DELETE", f"{overrides}/{mine.json()['id']}")

    assert _is_403(for_someone)
    assert for_someone.json()["error"]["message"] == (
        "the-responder is a responder: responders may add overrides only for themselves; "
        "an admin may do it for anyone"
    )
    assert _is_403(someones_gone)
    assert unchanged == before
    assert (mine.status_code, mine_gone.status_code) == (201, 204)


def test_an_admin_puts_anyone_on_call_and_removes_anyones_override(team: Team) -> None:
    overrides = f"/api/v1/schedules/{team.schedule.id}/overrides"

    added = team.call(Role.ADMIN, "POST", overrides, team.override_body(Role.RESPONDER))
    removed = team.call(Role.ADMIN, "DELETE", f"{overrides}/{added.json()['id']}")

    assert (added.status_code, removed.status_code) == (201, 204)


def test_a_responder_makes_only_their_own_calendar_feed(team: Team) -> None:
    def feed(role: Role) -> Response:
        return team.call(Role.RESPONDER, "POST", f"/api/v1/users/{team.users[role]}/calendar-feed")

    theirs, mine = feed(Role.ADMIN), feed(Role.RESPONDER)

    assert _is_403(theirs)
    assert mine.status_code == 201
    assert mine.json()["url"].endswith(".ics")


@pytest.mark.parametrize("who", ["admin user", "admin token", "token of nobody"])
def test_admins_configure_manage_people_and_read_the_audit_log(team: Team, who: str) -> None:
    headers = {
        "admin user": team.headers[Role.ADMIN],
        "admin token": {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        "token of nobody": team.api.headers,
    }[who]
    client = team.api.client

    created = client.post("/api/v1/users", json={"name": "eve", "email": "e@x.io"}, headers=headers)
    demoted = client.patch(
        f"/api/v1/users/{team.users[Role.RESPONDER]}", json={"role": "viewer"}, headers=headers
    )
    gone = client.delete(f"/api/v1/users/{created.json()['id']}", headers=headers)
    service = client.post("/api/v1/services", json={"name": "billing"}, headers=headers)
    log = client.get("/api/v1/audit-log", headers=headers)

    assert (created.status_code, demoted.status_code, gone.status_code) == (201, 200, 204)
    assert service.status_code == 201
    assert log.status_code == 200
    actor = {"admin user": "the-admin", "admin token": "admin token"}.get(who, "token tests")
    theirs = {e["action"] for e in log.json()["items"] if e["actor_name"] == actor}
    assert theirs >= {"user.created", "user.updated", "user.deleted", "service.created"}


def test_a_role_change_applies_to_the_users_token_on_its_next_request(team: Team) -> None:
    team.api.client.patch(
        f"/api/v1/users/{team.users[Role.VIEWER]}", json={"role": "admin"}, headers=team.api.headers
    )

    answer = team.call(Role.VIEWER, "POST", "/api/v1/services", {"name": "promoted"})

    assert answer.status_code == 201


def test_a_disabled_users_token_is_refused_at_once(team: Team) -> None:
    set_disabled(team.api.container.uow_factory(), team.api.clock, team.users[Role.RESPONDER], True)

    answer = team.call(Role.RESPONDER, "GET", "/api/v1/services")

    assert answer.status_code == 401
