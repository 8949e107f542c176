"""Operations endpoints and the OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.conftest import Api

API_MD = Path("/work/shared/API.md")
CONTRACT_PATHS = {
    "/api/v1/services",
    "/api/v1/services/{id}",
    "/api/v1/services/{id}/healthy",
    "/api/v1/services/{id}/heartbeats",
    "/api/v1/services/{id}/maintenance-windows",
    "/api/v1/services/{id}/escalation-policy",
    "/api/v1/alerts",
    "/api/v1/alerts/{id}",
    "/api/v1/alerts/{id}/acknowledge",
    "/api/v1/alerts/{id}/resolve",
    "/api/v1/alerts/{id}/escalate",
    "/api/v1/alerts/{id}/notes",
    "/api/v1/alerts/{id}/dedup-keys",
    "/api/v1/alerts/{id}/timeline",
    "/api/v1/alerts/{id}/notifications",
    "/api/v1/outbox",
    "/api/v1/users",
    "/api/v1/users/{id}",
    "/api/v1/users/{id}/contact-methods",
    "/api/v1/users/{id}/contact-methods/{cm_id}",
    "/api/v1/users/{id}/contact-methods/{cm_id}/test",
    "/api/v1/users/{id}/notification-rules",
    "/api/v1/schedules",
    "/api/v1/schedules/{id}",
    "/api/v1/schedules/{id}/overrides",
    "/api/v1/schedules/{id}/on-call",
    "/api/v1/schedules/{id}/shifts",
    "/api/v1/oncall",
    "/calendar/{token}.ics",
    "/v2/enqueue",
    "/integrations/alertmanager",
    "/integrations/slack/interactions",
    "/healthz",
    "/readyz",
    "/metrics",
}


def test_healthz_answers_while_the_process_runs(memory_api: Api) -> None:
    answer = memory_api.client.get("/healthz")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_readyz_follows_whether_the_database_answers(memory_api: Api) -> None:
    ready = memory_api.client.get("/readyz")
    memory_api.ready = False
    not_ready = memory_api.client.get("/readyz")

    assert ready.status_code == 200
    assert not_ready.status_code == 503
    assert not_ready.json()["error"]["code"] == "not_ready"
    assert not_ready.json()["error"]["message"] == "the database does not answer"


def test_readyz_says_why_it_is_not_ready(memory_api: Api) -> None:
    # `pagerd serve` with a worker process says so while the process is not running yet.
    memory_api.ready = False
    memory_api.container.not_ready_reason = lambda: "the worker process is not running yet"

    answer = memory_api.client.get("/readyz")

    assert answer.status_code == 503
    assert answer.json()["error"]["message"] == "the worker process is not running yet"


def test_metrics_are_served_in_the_prometheus_text_format(memory_api: Api) -> None:
    answer = memory_api.client.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in answer.text


def test_metrics_come_from_the_observer_registry_when_it_keeps_one(api: Api) -> None:
    from pagerd.adapters.metrics import PrometheusObserver
    from pagerd.entrypoints.http import create_app

    api.container.observer = PrometheusObserver(api.clock)
    from fastapi.testclient import TestClient

    client = TestClient(create_app(api.container))
    service_id = client.post("/api/v1/services", json={"name": "m"}, headers=api.headers).json()[
        "id"
    ]
    client.post(
        "/api/v1/alerts",
        json={"monitored_service_id": service_id, "message": "x"},
        headers=api.headers,
    )

    text = client.get("/metrics").text

    assert re.search(r'pagerd_alerts_received_total\{source="api"\} 1\.0', text)


def test_the_openapi_document_lists_every_path_of_the_contract(memory_api: Api) -> None:
    paths = set(memory_api.client.get("/openapi.json").json()["paths"])

    assert paths >= CONTRACT_PATHS


# Paths of the contract that this version does not serve yet, each with the work that adds
# it. Listed, not hidden: the tests below fail when one is missing from here and from
# CONTRACT_PATHS, and when one of them starts to be served without moving.
NOT_YET_SERVED: dict[str, str] = {}


def test_the_contract_paths_here_are_those_of_api_md(memory_api: Api) -> None:
    if not API_MD.exists():
        return  # the shared contract lives outside the repository on the team's machines
    documented = set(re.findall(r"`(?:GET|POST|PUT|DELETE) (/[^ ?`]*)", API_MD.read_text()))

    assert documented - {"/docs", "/openapi.json"} - set(NOT_YET_SERVED) <= CONTRACT_PATHS


def test_a_path_listed_as_not_yet_served_is_indeed_not_served(memory_api: Api) -> None:
    paths = set(memory_api.client.get("/openapi.json").json()["paths"])

    assert paths & set(NOT_YET_SERVED) == set()


def test_the_openapi_document_describes_errors_and_fields(memory_api: Api) -> None:
    document = memory_api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    create = document["paths"]["/api/v1/services"]["post"]

    assert {"201", "401", "409", "422"} <= set(create["responses"])
    assert create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorBody"
    )
    assert set(schemas["AlertOut"]["properties"]) >= {
        "dedup_keys",
        "notified_level_id",
        "resolved_at",
    }
    assert "PdEvent" in schemas
    assert "HTTPValidationError" not in schemas


def test_the_documentation_page_is_served(memory_api: Api) -> None:
    answer = memory_api.client.get("/docs")

    assert answer.status_code == 200
    assert "/openapi.json" in answer.text
