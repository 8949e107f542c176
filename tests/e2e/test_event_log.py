"""What pagerd does leaves one structured log event each, with its ids (the real wiring of
`build_container`, real workers, SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.adapters.logging import configure_logging
from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head
from pagerd.bootstrap import Container, build_container
from pagerd.config import Settings
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.workers import start_workers
from pagerd.service_layer.users import create_user
from tests.e2e.browser.console_app import FAST_HASHER, csrf_token
from tests.e2e.polling import wait_for

ADMIN = "event-log-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


class LogLines:
    """The JSON lines pagerd logged, as dicts."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler: logging.Handler | None = None

    def all(self) -> list[dict[str, Any]]:
        if self.handler is not None:
            self.handler.flush()  # lines are written on the log writer's thread
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def events(self, name: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line.get("event") == name]


@pytest.fixture
def lines() -> Iterator[LogLines]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    captured = LogLines()
    captured.handler = configure_logging("json", "INFO", captured.stream)
    yield captured
    captured.handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def _container(database_url: str, **settings: Any) -> Container:
    upgrade_to_head(database_url)
    return build_container(
        Settings(
            database_url=database_url,
            admin_token=SecretStr(ADMIN),
            _env_file=None,  # type: ignore[call-arg]
            **settings,
        )
    )


@pytest.fixture
def container(database_url: str) -> Iterator[Container]:
    # Loopback allowed, so the policy saves; nothing listens on port 9: the page fails.
    built = _container(database_url, webhook_allowed_networks="127.0.0.0/8")
    yield built
    built.close()


def _service_paging_a_refused_webhook(client: TestClient) -> str:
    service = client.post("/api/v1/services", json={"name": "checkout"}, headers=AUTH).json()
    # Nothing listens on 127.0.0.1:9 (loopback is allowed by the fixture): a page that fails.
    levels = [{"targets": [{"type": "webhook", "url": "http://127.0.0.1:9/hook"}]}]
    answer = client.put(
        f"/api/v1/services/{service['id']}/escalation-policy",
        json={"levels": levels},
        headers=AUTH,
    )
    assert answer.status_code == 200, answer.text
    return str(service["id"])


def test_an_incident_logs_received_opened_joined_paged_failed_acknowledged_and_resolved(
    container: Container, lines: LogLines
) -> None:
    client = TestClient(create_app(container))
    service_id = _service_paging_a_refused_webhook(client)
    body = {"monitored_service_id": service_id, "message": "checkout is down"}

    first = client.post("/api/v1/alerts", json=body, headers=AUTH).json()["alert"]
    client.post("/api/v1/alerts", json={**body, "dedup_key": "disk"}, headers=AUTH)
    running = start_workers(container)
    try:
        failed = wait_for(lambda: lines.events("page.failed"), what="a failed page logged")
    finally:
        running.stop()
    client.post(f"/api/v1/alerts/{first['id']}/acknowledge", json={"by": "bob"}, headers=AUTH)
    client.post(f"/api/v1/services/{service_id}/healthy", json={}, headers=AUTH)

    received = lines.events("alert.received")
    assert [(r["source"], r["deduplicated"]) for r in received] == [("api", False), ("api", True)]
    assert {r["alert_id"] for r in received} == {first["id"]}
    assert {r["service_id"] for r in received} == {service_id}
    for name in ("alert.opened", "alert.joined", "alert.acknowledged", "alert.resolved"):
        assert [e["alert_id"] for e in lines.events(name)] == [first["id"]], name
    assert lines.events("alert.joined")[0]["dedup_key"] == "disk"
    assert lines.events("alert.opened")[0]["alert_message"] == "checkout is down"
    assert lines.events("alert.acknowledged")[0]["by"] == "bob"
    assert failed[0]["alert_ids"] == [first["id"]]
    assert failed[0]["channel"] == "webhook"
    assert failed[0]["level"] == "warning"
    assert failed[0]["error"]
    assert failed[0]["notification_ids"]


def test_configuration_changes_and_sign_ins_are_logged(
    container: Container, lines: LogLines
) -> None:
    create_user(container.uow_factory(), container.clock, "alice", "right password", FAST_HASHER)
    client = TestClient(create_app(container))
    service_id = _service_paging_a_refused_webhook(client)

    token = csrf_token(client.get("/sign-in").text)
    for password in ("wrong password", "right password"):
        form = {"csrf_token": token, "username": "alice", "password": password}
        client.post("/sign-in", data=form, follow_redirects=False)

    changes = [(e["event"], e["subject_id"]) for e in lines.all() if e.get("subject")]
    assert changes == [
        ("config.service_created", service_id),
        ("config.escalation_policy_updated", service_id),
    ]
    failed = lines.events("console.sign_in_failed")
    assert [(e["username"], e["reason"]) for e in failed] == [
        ("alice", "wrong username or password")
    ]
    assert "wrong password" not in lines.stream.getvalue()
    assert [e["username"] for e in lines.events("console.sign_in")] == ["alice"]


def test_the_access_log_names_the_route_never_its_secrets(
    container: Container, lines: LogLines
) -> None:
    client = TestClient(create_app(container))

    ack = client.get("/ack/not-a-real-token-but-secret-looking")
    alertmanager = client.post("/integrations/alertmanager?integration_key=secret-key", json={})
    client.get("/no/such/page")

    requests = lines.events("http.request")
    assert [(r["method"], r.get("route"), r["status"]) for r in requests[:2]] == [
        ("GET", "/ack/{token}", ack.status_code),
        ("POST", "/integrations/alertmanager", alertmanager.status_code),
    ]
    assert requests[2]["path"] == "/no/such/page"
    assert all(isinstance(r["duration_ms"], float) for r in requests)
    assert "secret" not in lines.stream.getvalue()


def test_the_access_log_is_off_with_pagerd_access_log_false(
    database_url: str, lines: LogLines
) -> None:
    quiet = _container(database_url, access_log=False)
    try:
        TestClient(create_app(quiet)).get("/healthz")
    finally:
        quiet.close()

    assert lines.events("http.request") == []
