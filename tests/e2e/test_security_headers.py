"""Security headers on the console: every page, redirect, refusal and static file of the web
console carries a strict Content-Security-Policy, refuses framing and MIME sniffing, and
pages are never cached; acknowledge-link pages keep their capability out of caches and
Referer headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response

from pagerd.domain.roles import Role
from pagerd.entrypoints.console import build_console
from pagerd.service_layer.ack_tokens import AckLinkSigner
from pagerd.service_layer.users import create_user
from tests.e2e.conftest import Api

USERNAME, PASSWORD = "alice", "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LEVELS = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]


def assert_console_headers(answer: Response, cached: bool = False) -> None:
    csp = answer.headers.get("content-security-policy", "")
    directives = dict(d.strip().partition(" ")[::2] for d in csp.split(";"))
    assert directives.get("default-src") == "'none'", csp
    assert directives.get("frame-ancestors") == "'none'", csp
    assert "'unsafe-inline'" not in directives.get("script-src", "'unsafe-inline'"), csp
    assert answer.headers.get("x-frame-options") == "DENY"
    assert answer.headers.get("x-content-type-options") == "nosniff"
    assert answer.headers.get("referrer-policy") in {"same-origin", "no-referrer"}
    if not cached:
        assert answer.headers.get("cache-control") == "no-store"


def console_get_paths(api: Api, ids: dict[str, str]) -> list[str]:
    def walk(routes: list[Any]) -> Iterator[str]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute) and "GET" in route.methods:
                yield re.sub(r"\{(\w+)\}", lambda m: ids[m[1]], route.path)

    return sorted(set(walk(build_console(api.container).routes)))


@pytest.fixture
def signed_in(memory_api: Api) -> tuple[Api, TestClient, str]:
    uow, clock = memory_api.container.uow_factory(), memory_api.clock
    create_user(
        uow, clock, USERNAME, PASSWORD, memory_api.container.password_hasher, role=Role.ADMIN
    )  # admins see every page
    client = TestClient(memory_api.app, follow_redirects=False)
    token = _CSRF.search(client.get("/sign-in").text)
    assert token is not None
    answer = client.post(
        "/sign-in", data={"csrf_token": token[1], "username": USERNAME, "password": PASSWORD}
    )
    assert answer.status_code == 303
    page_token = _CSRF.search(client.get("/services").text)
    assert page_token is not None
    return memory_api, client, page_token[1]


def test_every_console_page_carries_the_security_headers(
    signed_in: tuple[Api, TestClient, str],
) -> None:
    api, client, _ = signed_in
    service = api.create_service()
    alert = api.alert(service["id"])["alert"]
    someone = api.post("/api/v1/users", {"name": "someone", "email": "s@example.com"}).json()
    layer = {
        "participants": [someone["id"]],
        "rotation": {"type": "weekly", "shift_length": 1, "handoff": "2026-01-05T09:00"},
    }
    body = {"name": "primary", "time_zone": "UTC", "layers": [layer]}
    schedule = api.post("/api/v1/schedules", body).json()
    ids = {
        "service_id": service["id"],
        "alert_id": alert["id"],
        "user_id": someone["id"],
        "schedule_id": schedule["id"],
    }
    paths = console_get_paths(api, ids)

    answers = {path: client.get(path) for path in paths}

    assert len(answers) >= 8
    for path, answer in answers.items():
        assert answer.status_code in {200, 303}, path
        assert_console_headers(answer)


def test_redirects_and_refusals_carry_them_too(signed_in: tuple[Api, TestClient, str]) -> None:
    api, client, _ = signed_in
    visitor = TestClient(api.app, follow_redirects=False)
    service = api.create_service()

    answers = [
        visitor.get("/alerts"),  # 303 to sign-in
        visitor.get("/alerts/live"),  # 401
        visitor.get("/sign-in"),
        client.get(f"/alerts/{UUID(int=1)}"),  # 404 page
        client.post(f"/services/{service['id']}/healthy", data={"csrf_token": "forged"}),
        client.post("/sign-in", data={"csrf_token": "forged"}),
    ]

    for answer in answers:
        assert_console_headers(answer)


def test_console_static_files_carry_them_and_may_be_cached(memory_api: Api) -> None:
    html = TestClient(memory_api.app).get("/sign-in").text
    assets = re.findall(r'(?:href|src)="(/static/console/[^"?]+)', html)

    answers = [memory_api.client.get(asset) for asset in assets]

    assert answers
    for answer in answers:
        assert answer.status_code == 200
        assert_console_headers(answer, cached=True)


def test_acknowledge_link_pages_keep_the_link_out_of_caches_and_referers(
    memory_api: Api,
) -> None:
    service = memory_api.create_service()
    memory_api.put_policy(service["id"], LEVELS)
    policy = memory_api.get(f"/api/v1/services/{service['id']}/escalation-policy").json()
    alert = memory_api.alert(service["id"])["alert"]
    target = UUID(policy["levels"][0]["targets"][0]["id"])
    signer = AckLinkSigner(memory_api.container.secret_key)
    token = signer.sign(UUID(alert["id"]), target, memory_api.clock.now() + timedelta(hours=1))

    for answer in (memory_api.client.get(f"/ack/{token}"), memory_api.client.get("/ack/x")):
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in answer.headers["content-security-policy"]
