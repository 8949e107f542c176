"""`/api/v1` needs a valid Bearer token: a stored API token or PAGERD_ADMIN_TOKEN."""

from __future__ import annotations

from typing import Any

import pytest

from pagerd.service_layer.tokens import create_api_token, revoke_api_token
from tests.e2e.conftest import ADMIN_TOKEN, Api
from tests.e2e.test_security_authentication import without_failure_limit

SAMPLE_ID = "0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10"


def _api_operations(api: Api) -> list[tuple[str, str]]:
    paths = api.client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path.replace("{id}", SAMPLE_ID))
        for path, operations in paths.items()
        if path.startswith("/api/v1")
        for method in operations
    ]


def _is_401(answer: Any) -> bool:
    return bool(
        answer.status_code == 401
        and answer.headers.get("www-authenticate") == "Bearer"
        and answer.json()["error"]["code"] == "unauthorized"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
        {"Authorization": f"bearer{ADMIN_TOKEN}"},
        {"Authorization": "Bearer " + "x" * 10_000},
    ],
)
def test_every_api_call_without_a_valid_token_is_401(
    memory_api: Api, headers: dict[str, str]
) -> None:
    without_failure_limit(memory_api)  # past it, a refusal is a 429 (its own tests)
    operations = _api_operations(memory_api)

    answers = [memory_api.client.request(m, p, headers=headers, json={}) for m, p in operations]

    assert len(operations) >= 11
    assert all(_is_401(a) for a in answers), [
        (o, a.status_code) for o, a in zip(operations, answers, strict=True)
    ]


def test_a_refused_call_changes_nothing(memory_api: Api) -> None:
    memory_api.client.post("/api/v1/services", json={"name": "sneaky"})

    assert memory_api.get("/api/v1/services").json()["items"] == []


def test_the_admin_token_opens_the_api(memory_api: Api) -> None:
    answer = memory_api.client.get(
        "/api/v1/services", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )

    assert answer.status_code == 200


def test_a_revoked_token_no_longer_opens_the_api(api: Api) -> None:
    token, secret = create_api_token(api.container.uow_factory(), api.clock, "ci")
    headers = {"Authorization": f"Bearer {secret}"}
    before = api.client.get("/api/v1/services", headers=headers)

    revoke_api_token(api.container.uow_factory(), api.clock, token.id)
    after = api.client.get("/api/v1/services", headers=headers)

    assert before.status_code == 200
    assert _is_401(after)


def test_an_integration_key_does_not_open_the_api(memory_api: Api) -> None:
    key = memory_api.create_service()["integration_key"]

    answer = memory_api.client.get("/api/v1/services", headers={"Authorization": f"Bearer {key}"})

    assert _is_401(answer)


def test_the_api_token_is_declared_in_the_openapi_document(memory_api: Api) -> None:
    document = memory_api.client.get("/openapi.json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiToken"]["scheme"].lower() == "bearer"
    assert document["paths"]["/api/v1/services"]["get"]["security"] == [{"ApiToken": []}]
