"""Who may call: every `/api/v1` operation needs a valid API token, every console page and
form needs a signed-in session, and a refused call changes nothing. Routes are enumerated
from the application itself, so a route added without protection fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.config import Settings
from pagerd.entrypoints.console import build_console
from pagerd.entrypoints.http import create_app
from pagerd.service_layer.tokens import create_api_token, revoke_api_token
from pagerd.service_layer.users import create_user
from tests.e2e.conftest import ADMIN_TOKEN, Api

SAMPLE_ID = "0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10"
PUBLIC_CONSOLE_ROUTES = {("GET", "/sign-in"), ("POST", "/sign-in"), ("POST", "/sign-out")}
USERNAME, PASSWORD = "alice", "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def without_failure_limit(api: Api) -> None:
    """Serve `api` again with no limit on failed authentications per address (tested in
    test_security_shared_limits.py)."""
    api.container.settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN), _env_file=None, auth_failure_rate_per_minute=0
    )
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)


def api_operations(api: Api) -> list[tuple[str, str]]:
    paths = api.client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, item in paths.items()
        if path.startswith("/api/v1")
        for method in item
    ]


def console_routes(api: Api) -> list[tuple[str, str]]:
    """(method, path) of every console route, walking nested routers."""

    def walk(routes: list[Any]) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield from ((m, route.path) for m in sorted(route.methods))

    return sorted(set(walk(build_console(api.container).routes)))


def filled(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m[1], SAMPLE_ID), path)


def state(api: Api) -> Any:
    return (api.get("/api/v1/services").json(), api.get("/api/v1/alerts").json())


def stored_token_variants(secret: str) -> list[str]:
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    # Surrounding blanks are not variants: HTTP strips them from header values.
    return [tampered, secret.upper(), secret + "x", secret[:-1]]


def test_the_api_has_the_operations_this_file_expects(memory_api: Api) -> None:
    assert len(api_operations(memory_api)) >= 11


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-token", "Basic Zm9vOmJhcg==", "Token admin-secret-for-tests"],
)
def test_every_api_operation_refuses_a_missing_or_foreign_credential_and_changes_nothing(
    api: Api, authorization: str | None
) -> None:
    without_failure_limit(api)  # so that every refusal is a 401, not a 429 past the limit
    service = api.create_service()
    alert = api.alert(service["id"])["alert"]
    before = state(api)
    headers = {} if authorization is None else {"Authorization": authorization}
    ids = {"id": service["id"]}

    answers = {
        (method, path): api.client.request(
            method,
            filled(path, {"id": alert["id"]} if "/alerts/" in path else ids),
            headers=headers,
            json={"name": "x", "monitored_service_id": service["id"], "message": "m"},
        )
        for method, path in api_operations(api)
    }

    assert {k: a.status_code for k, a in answers.items() if a.status_code != 401} == {}
    assert state(api) == before


def test_a_tampered_or_mangled_token_is_refused(memory_api: Api) -> None:
    refused = [
        memory_api.client.get("/api/v1/services", headers={"Authorization": f"Bearer {t}"})
        for t in stored_token_variants(memory_api.token)
    ]

    assert [a.status_code for a in refused] == [401] * len(refused)
    assert memory_api.get("/api/v1/services").status_code == 200


def test_a_revoked_token_is_refused_on_every_backend(api: Api) -> None:
    token, secret = create_api_token(api.container.uow_factory(), api.clock, "script")
    revoke_api_token(api.container.uow_factory(), api.clock, token.id)

    answer = api.client.get("/api/v1/services", headers={"Authorization": f"Bearer {secret}"})

    assert answer.status_code == 401


def test_the_console_has_the_routes_this_file_expects(memory_api: Api) -> None:
    paths = {path for _, path in console_routes(memory_api)}

    assert {"/alerts", "/services", "/outbox", "/services/{service_id}/policy"} <= paths


def test_every_console_page_and_form_needs_a_signed_in_session_and_changes_nothing(
    api: Api,
) -> None:
    service = api.create_service("private-service-name")
    alert = api.alert(service["id"], "private alert text")["alert"]
    ids = {"service_id": service["id"], "alert_id": alert["id"]}
    before = state(api)
    visitor = TestClient(api.app, follow_redirects=False)
    visitor.get("/sign-in")  # an anonymous session, with its own CSRF token: not enough
    leaks = {}

    for method, path in console_routes(api):
        if (method, path) in PUBLIC_CONSOLE_ROUTES:
            continue
        form = {"csrf_token": "guess", "name": "x", "action": "save"}
        answer = visitor.request(method, filled(path, ids), data=form if method == "POST" else None)
        signed_out = answer.status_code == 401 or (
            answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
        )
        if not signed_out or "private" in answer.text:
            leaks[(method, path)] = answer.status_code

    assert leaks == {}
    assert state(api) == before


def test_a_forged_session_cookie_is_not_a_session(memory_api: Api) -> None:
    c = memory_api.container
    create_user(c.uow_factory(), memory_api.clock, USERNAME, PASSWORD, c.password_hasher)
    client = TestClient(memory_api.app, follow_redirects=False)
    token = _CSRF.search(client.get("/sign-in").text)
    assert token is not None
    client.post(
        "/sign-in", data={"csrf_token": token[1], "username": USERNAME, "password": PASSWORD}
    )
    genuine = client.cookies["pagerd_session"]
    body, signature = genuine.split(".")
    forged = f"{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

    stranger = TestClient(memory_api.app, follow_redirects=False)
    stranger.cookies.set("pagerd_session", forged)

    assert client.get("/alerts").status_code == 200
    assert stranger.get("/alerts").status_code == 303
