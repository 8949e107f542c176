"""Every error path answers the documented JSON error and status, and no input is a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pagerd.bootstrap import Container
from pagerd.entrypoints.http import create_app
from tests.e2e.conftest import Api


def _error(answer: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str)
    if code is not None:
        assert body["error"]["code"] == code
    return dict(body["error"])


def _fields(answer: Any) -> list[str]:
    return [d["field"] for d in _error(answer, 422, "validation_error")["details"]]


ID_ROUTES = [
    ("GET", "/api/v1/services/{}"),
    ("DELETE", "/api/v1/services/{}"),
    ("POST", "/api/v1/services/{}/healthy"),
    ("GET", "/api/v1/services/{}/escalation-policy"),
    ("GET", "/api/v1/alerts/{}"),
    ("POST", "/api/v1/alerts/{}/acknowledge"),
    ("GET", "/api/v1/alerts/{}/timeline"),
    ("GET", "/api/v1/alerts/{}/notifications"),
]


@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
@pytest.mark.parametrize("ident", ["0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10", "not-a-uuid", "1", "é"])
def test_an_unknown_or_malformed_id_is_404(
    memory_api: Api, method: str, route: str, ident: str
) -> None:
    answer = memory_api.client.request(method, route.format(ident), headers=memory_api.headers)

    _error(answer, 404, "not_found")


def test_a_policy_for_an_unknown_service_is_404(memory_api: Api) -> None:
    body = {"levels": [{"targets": [{"type": "email", "email": "a@example.com"}]}]}

    answer = memory_api.put(
        "/api/v1/services/0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10/escalation-policy", body
    )

    _error(answer, 404, "not_found")


def test_an_alert_for_an_unknown_service_is_404(memory_api: Api) -> None:
    body = {"monitored_service_id": "0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10", "message": "x"}

    _error(memory_api.post("/api/v1/alerts", body), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["name"]),
        ({"name": ""}, ["name"]),
        ({"name": "   "}, ["name"]),
        ({"name": 5}, ["name"]),
        ({"name": None}, ["name"]),
        ({"name": "x" * 201}, ["name"]),
        ({"name": "nul\u0000byte"}, ["name"]),
        ([], ["body"]),
        ("a string", ["body"]),
        (17, ["body"]),
    ],
)
def test_a_bad_service_body_is_422_naming_the_field(
    memory_api: Api, body: Any, fields: list[str]
) -> None:
    assert _fields(memory_api.post("/api/v1/services", body)) == fields


@pytest.mark.parametrize(
    ("levels", "extra", "field"),
    [
        ([], {}, "levels"),
        ([{"targets": []}], {}, "levels.0.targets"),
        ([{"targets": [{"type": "email", "email": "nope"}]}], {}, "levels.0.targets.0.email"),
        (
            [{"targets": [{"type": "sms", "phone_number": "0800"}]}],
            {},
            "levels.0.targets.0.phone_number",
        ),
        ([{"targets": [{"type": "webhook", "url": "ftp://x"}]}], {}, "levels.0.targets.0.url"),
        ([{"targets": [{"type": "fax", "number": "1"}]}], {}, "levels.0.targets.0.type"),
        ([{"targets": [{"email": "a@example.com"}]}], {}, "levels.0.targets.0.type"),
        ([{"targets": [{"type": 3}]}], {}, "levels.0.targets.0.type"),
        ([{"targets": ["a@example.com"]}], {}, "levels.0.targets.0"),
        ([{"targets": [{"type": "email"}]}], {}, "levels.0.targets.0.email"),
        ([{"targets": [{"type": "email", "email": None}]}], {}, "levels.0.targets.0.email"),
        (
            [{"ack_timeout_seconds": 0, "targets": [{"type": "sms", "phone_number": "+15550100"}]}],
            {},
            "levels.0.ack_timeout_seconds",
        ),
        (
            [
                {
                    "ack_timeout_seconds": 10**100,
                    "targets": [{"type": "sms", "phone_number": "+15550100"}],
                }
            ],
            {},
            "levels.0.ack_timeout_seconds",
        ),
        (
            [
                {
                    "ack_timeout_seconds": 1.5,
                    "targets": [{"type": "sms", "phone_number": "+15550100"}],
                }
            ],
            {},
            "levels.0.ack_timeout_seconds",
        ),
        (
            [
                {
                    "ack_timeout_seconds": "soon",
                    "targets": [{"type": "sms", "phone_number": "+15550100"}],
                }
            ],
            {},
            "levels.0.ack_timeout_seconds",
        ),
        ([{"targets": [{"type": "sms", "phone_number": "+15550100"}]}], {"repeat": 10}, "repeat"),
        ([{"targets": [{"type": "sms", "phone_number": "+15550100"}]}], {"repeat": -1}, "repeat"),
        ({"targets": []}, {}, "levels"),
        (None, {}, "levels"),
    ],
)
def test_a_bad_policy_is_422_naming_the_field(
    memory_api: Api, levels: Any, extra: dict[str, Any], field: str
) -> None:
    service_id = memory_api.create_service()["id"]

    answer = memory_api.put(
        f"/api/v1/services/{service_id}/escalation-policy", {"levels": levels, **extra}
    )

    assert field in _fields(answer)
    assert memory_api.get(f"/api/v1/services/{service_id}/escalation-policy").status_code == 404


def test_every_bad_target_of_a_policy_is_named_at_once(memory_api: Api) -> None:
    service_id = memory_api.create_service()["id"]
    levels = [
        {"targets": [{"type": "email", "email": "a@example.com"}]},
        {
            "targets": [
                {"type": "email", "email": "a@example.com"},
                {"type": "email", "email": "bad"},
            ]
        },
        {"targets": [{"type": "sms", "phone_number": "5550100"}]},
    ]

    answer = memory_api.put(f"/api/v1/services/{service_id}/escalation-policy", {"levels": levels})

    assert _fields(answer) == ["levels.1.targets.1.email", "levels.2.targets.0.phone_number"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "x"}, "monitored_service_id"),
        ({"monitored_service_id": "nope", "message": "x"}, "monitored_service_id"),
        ({"monitored_service_id": None, "message": "x"}, "monitored_service_id"),
        ({"monitored_service_id": "{sid}"}, "message"),
        ({"monitored_service_id": "{sid}", "message": ""}, "message"),
        ({"monitored_service_id": "{sid}", "message": ["x"]}, "message"),
        ({"monitored_service_id": "{sid}", "message": "x" * 10_001}, "message"),
        ({"monitored_service_id": "{sid}", "message": "x", "dedup_key": "k" * 256}, "dedup_key"),
        ({"monitored_service_id": "{sid}", "message": "x", "dedup_key": 12}, "dedup_key"),
        ({"monitored_service_id": "{sid}", "message": "x", "dedup_key": ""}, "dedup_key"),
    ],
)
def test_a_bad_alert_is_422_naming_the_field_and_opens_nothing(
    memory_api: Api, body: dict[str, Any], field: str
) -> None:
    service_id = memory_api.create_service()["id"]
    sent = {k: (service_id if v == "{sid}" else v) for k, v in body.items()}

    answer = memory_api.post("/api/v1/alerts", sent)

    assert _fields(answer) == [field]
    assert memory_api.get("/api/v1/alerts").json()["items"] == []


def test_a_bad_acknowledge_body_is_422(memory_api: Api) -> None:
    service_id = memory_api.create_service()["id"]
    alert_id = memory_api.alert(service_id)["alert"]["id"]

    answer = memory_api.post(f"/api/v1/alerts/{alert_id}/acknowledge", {"by": ["alice"]})

    assert _fields(answer) == ["by"]
    assert memory_api.get(f"/api/v1/alerts/{alert_id}").json()["status"] == "open"


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"{'name': 'x'}",
        b'{"name": "x",}',
        b"\xff\xfe",
        b"[" * 100_000,
        b'{"name": ' + b"[" * 900 + b"]" * 900 + b"}",
        b'{"name": 1' + b"0" * 5000 + b"}",
    ],
)
def test_a_body_that_is_not_a_json_object_of_the_right_shape_is_400_or_422(
    memory_api: Api, raw: bytes
) -> None:
    headers = {**memory_api.headers, "Content-Type": "application/json"}

    answer = memory_api.client.post("/api/v1/services", content=raw, headers=headers)

    assert answer.status_code in (400, 422)
    _error(answer, answer.status_code)
    assert memory_api.get("/api/v1/services").json()["items"] == []


def test_malformed_json_is_400_malformed_json(memory_api: Api) -> None:
    headers = {**memory_api.headers, "Content-Type": "application/json"}

    answer = memory_api.client.post("/api/v1/alerts", content=b'{"message": ', headers=headers)

    _error(answer, 400, "malformed_json")


def test_a_body_that_is_not_declared_json_is_422(memory_api: Api) -> None:
    headers = {**memory_api.headers, "Content-Type": "text/plain"}

    answer = memory_api.client.post("/api/v1/services", content=b'{"name": "x"}', headers=headers)

    _error(answer, 422, "validation_error")


def test_unicode_text_is_stored_and_answered_as_sent(api: Api) -> None:
    name = "Zahlungen \u2013 支付 🚀"

    created = api.create_service(name)
    alert = api.alert(created["id"], "ошибка ✗ \u202e")["alert"]

    assert api.get(f"/api/v1/services/{created['id']}").json()["name"] == name
    assert api.get(f"/api/v1/alerts/{alert['id']}").json()["message"] == "ошибка ✗ \u202e"


@pytest.mark.parametrize("text", ["nul\u0000", "\ud800lone surrogate", "\udfff"])
def test_text_no_database_can_store_is_422_not_500(api: Api, text: str) -> None:
    service_id = api.create_service()["id"]
    raw = json.dumps({"monitored_service_id": service_id, "message": "x", "dedup_key": text})
    headers = {**api.headers, "Content-Type": "application/json"}

    answer = api.client.post("/api/v1/alerts", content=raw.encode(), headers=headers)

    assert _fields(answer) == ["dedup_key"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": 10**30}, "limit"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"cursor": "bzox"}, "cursor"),
        ({"cursor": "a3xub3R8YWx8b2s"}, "cursor"),
        ({"cursor": "é"}, "cursor"),
        ({"cursor": "x" * 201}, "cursor"),
        ({"status": "sleeping"}, "status"),
        ({"monitored_service_id": "nope"}, "monitored_service_id"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(
    memory_api: Api, params: dict[str, Any], field: str
) -> None:
    assert _fields(memory_api.get("/api/v1/alerts", params=params)) == [field]


def test_a_limit_of_500_is_accepted(memory_api: Api) -> None:
    assert memory_api.get("/api/v1/services", params={"limit": 500}).status_code == 200


def test_an_offset_cursor_is_refused_by_a_keyset_list(memory_api: Api) -> None:
    service_id = memory_api.create_service()["id"]
    alert_id = memory_api.alert(service_id)["alert"]["id"]
    for n in range(3):
        memory_api.alert(service_id, f"again {n}")
    cursor = memory_api.get(f"/api/v1/alerts/{alert_id}/timeline", params={"limit": 1}).json()[
        "next_cursor"
    ]

    assert _fields(memory_api.get("/api/v1/services", params={"cursor": cursor})) == ["cursor"]


def test_an_unknown_path_and_a_wrong_method_answer_json_errors(memory_api: Api) -> None:
    _error(memory_api.get("/api/v1/nothing-here"), 404, "not_found")
    _error(
        memory_api.client.patch("/api/v1/services", headers=memory_api.headers),
        405,
        "method_not_allowed",
    )


def test_an_unexpected_failure_is_a_json_500_without_internals(
    memory_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Any:
        raise RuntimeError("connection string postgresql://secret@db")

    container = Container(
        settings=memory_api.container.settings,
        uow_factory=broken,
        clock=memory_api.clock,
        senders=memory_api.senders,
        wakeup=memory_api.container.wakeup,
    )
    from fastapi.testclient import TestClient

    client = TestClient(create_app(container), raise_server_exceptions=False)
    answer = client.get("/api/v1/services", headers={"Authorization": "Bearer x"})

    _error(answer, 500, "internal_error")
    assert "secret" not in answer.text
    assert "Traceback" not in answer.text
    assert any("unexpected error" in r.getMessage() for r in caplog.records)


MIB = 1024 * 1024


def _padded_service(size: int) -> bytes:
    """A valid service body of exactly `size` bytes (JSON allows trailing whitespace)."""
    body = b'{"name": "padded"}'
    return body + b" " * (size - len(body))


@pytest.mark.parametrize("path", ["/api/v1/services", "/v2/enqueue", "/integrations/alertmanager"])
def test_a_body_over_one_mib_is_413_and_changes_nothing(memory_api: Api, path: str) -> None:
    headers = {**memory_api.headers, "Content-Type": "application/json"}
    if path == "/integrations/alertmanager":  # its credential is the integration key
        key = memory_api.create_service()["integration_key"]
        path += f"?integration_key={key}"

    answer = memory_api.client.post(path, content=_padded_service(MIB + 1), headers=headers)

    _error(answer, 413, "payload_too_large")
    assert memory_api.get("/api/v1/alerts").json()["items"] == []
    assert len(memory_api.get("/api/v1/services").json()["items"]) <= 1


def test_a_chunked_body_over_one_mib_is_413(memory_api: Api) -> None:
    def chunks() -> Any:
        for _ in range(20):
            yield b" " * (64 * 1024)

    headers = {**memory_api.headers, "Content-Type": "application/json"}
    answer = memory_api.client.post("/api/v1/services", content=chunks(), headers=headers)

    _error(answer, 413, "payload_too_large")


def test_a_chunked_body_is_read_whole_when_it_fits(memory_api: Api) -> None:
    def chunks() -> Any:
        yield b'{"name": '
        yield b'"chunked"}'

    headers = {**memory_api.headers, "Content-Type": "application/json"}
    answer = memory_api.client.post("/api/v1/services", content=chunks(), headers=headers)

    assert answer.status_code == 201
    assert answer.json()["name"] == "chunked"


def test_a_body_of_exactly_one_mib_is_accepted(memory_api: Api) -> None:
    headers = {**memory_api.headers, "Content-Type": "application/json"}

    answer = memory_api.client.post(
        "/api/v1/services", content=_padded_service(MIB), headers=headers
    )

    assert answer.status_code == 201
