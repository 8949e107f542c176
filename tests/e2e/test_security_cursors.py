"""A list cursor pagerd did not issue is refused (422 on the API, 400 in the console), never
a 500: out-of-range instants, other offsets and spellings included (issue 19, bug 1)."""

from __future__ import annotations

import base64
from pathlib import Path
from uuid import uuid4

import pytest

from tests.e2e.browser.console_app import ConsoleApp, sqlite_factory
from tests.e2e.conftest import Api

ID = uuid4()
# Instants that parse, but leave the range of a datetime once put in UTC, and spellings of a
# real instant that pagerd never writes (another offset, no seconds, a "Z").
FORGED_INSTANTS = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2026-01-01T10:00:00+01:00",
    "2026-01-01T09:00Z",
]
API_LISTS = ["/api/v1/services", "/api/v1/alerts", "/api/v1/outbox"]


def api_cursor(instant: str) -> str:
    return base64.urlsafe_b64encode(f"k|{instant}|{ID}".encode()).decode().rstrip("=")


@pytest.mark.parametrize("instant", FORGED_INSTANTS)
@pytest.mark.parametrize("path", API_LISTS)
def test_an_api_list_refuses_a_forged_cursor_with_a_422_naming_it(
    api: Api, path: str, instant: str
) -> None:
    api.create_service()

    answer = api.get(path, params={"cursor": api_cursor(instant)})

    assert answer.status_code == 422, answer.text
    assert [d["field"] for d in answer.json()["error"]["details"]] == ["cursor"]


def test_an_api_cursor_pagerd_issued_still_turns_the_page(api: Api) -> None:
    for name in ("a", "b", "c"):
        api.create_service(name)

    every = [s["id"] for s in api.get("/api/v1/services").json()["items"]]
    first = api.get("/api/v1/services", params={"limit": 2}).json()
    second = api.get("/api/v1/services", params={"limit": 2, "cursor": first["next_cursor"]})

    assert second.status_code == 200
    assert [s["id"] for s in second.json()["items"]] == every[2:]


@pytest.fixture(params=["memory", "sqlite"])
def console(request: pytest.FixtureRequest, tmp_path: Path) -> ConsoleApp:
    if request.param == "memory":
        return ConsoleApp()
    factory, _ = sqlite_factory(f"sqlite:///{tmp_path / 'console.db'}")
    return ConsoleApp(factory)


@pytest.mark.parametrize("instant", FORGED_INSTANTS)
@pytest.mark.parametrize("page", ["/alerts?status=open&", "/alerts/live?status=open&", "/outbox?"])
def test_a_console_list_refuses_a_forged_cursor_with_a_400(
    console: ConsoleApp, page: str, instant: str
) -> None:
    client, _ = console.signed_in_client()
    console.alert(console.service())

    answer = client.get(f"{page}cursor={instant.replace('+', '%2B')}_{ID}")

    assert answer.status_code == 400, answer.text
