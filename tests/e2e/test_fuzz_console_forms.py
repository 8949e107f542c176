"""The console's form handlers and query strings under arbitrary input, signed in with a valid
CSRF token, on SQLite and PostgreSQL: never a 5xx, and every redirect stays on this site
(no open redirect, no header injection). The OpenAPI fuzzing cannot reach these: console
routes are not in the document."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagerd.service_layer.users import create_user
from tests.e2e.conftest import Api

EXAMPLES = 40
BACKENDS = ["sqlite", "postgres"]
USERNAME, PASSWORD = "alice", "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
EDGE_TEXT = [
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "x" * 5000,
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "email",
    "SMS",
    "webhook",
    "pager",
    "oncall@example.com",
    "+14155550123",
    "http://127.0.0.1/hook",
    "save",
    "add_level",
    "add_target:0",
    "remove_level:0",
    "remove_target:0:0",
    "level_down:0",
    "target_up:0:1",
    "add_target:99999999999999999999",
    "remove_target:-1:x",
    "target_down:0:0:0",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "/alerts\r\nSet-Cookie: x=1",
    "open",
    "acknowledged",
    "resolved",
    "\u202e\ufeff",
]
TEXT = st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=40))
POLICY_KEYS = [
    f"levels-{i}-{part}"
    for i in (0, 1, 2, 999)
    for part in ("timeout", "targets-0-type", "targets-0-address", "targets-1-type")
] + ["repeat", "action", "name", "next", "username", "password"]
KEYS = st.one_of(st.sampled_from(POLICY_KEYS), st.text(min_size=1, max_size=20))
FORMS = st.dictionaries(KEYS, TEXT, max_size=12)

POST_ROUTES = [
    "/services",
    "/services/{service_id}/policy",
    "/services/{service_id}/healthy",
    "/alerts/{alert_id}/acknowledge",
    "/sign-in",
]
GET_ROUTES = ["/alerts", "/alerts/live", "/services/{service_id}", "/sign-in", "/outbox"]
QUERY_KEYS = st.sampled_from(["status", "service", "cursor", "next", "expired", "signed_out"])


class Console:
    """A signed-in browser on the whole application, and real ids to aim at."""

    def __init__(self, api: Api) -> None:
        c = api.container
        create_user(c.uow_factory(), api.clock, USERNAME, PASSWORD, c.password_hasher)
        self.client = TestClient(api.app, follow_redirects=False, raise_server_exceptions=False)
        token = _CSRF.search(self.client.get("/sign-in").text)
        assert token is not None
        signed = self.client.post(
            "/sign-in", data={"csrf_token": token[1], "username": USERNAME, "password": PASSWORD}
        )
        assert signed.status_code == 303
        page = _CSRF.search(self.client.get("/services").text)
        assert page is not None
        self.csrf = page[1]
        service = api.create_service()
        api.put_policy(
            service["id"], [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]
        )
        self.ids = {
            "service_id": service["id"],
            "alert_id": api.alert(service["id"])["alert"]["id"],
        }

    def url(self, route: str) -> str:
        return route.format(**self.ids)


def assert_answered_safely(answer: Any) -> None:
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code in {301, 302, 303, 307, 308}:
        location = answer.headers["location"]
        assert location.startswith("/"), location
        assert not location.startswith("//"), location
        assert not set(location) & {"\\", "\r", "\n"}, location


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("api", BACKENDS, indirect=True)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_console_forms_never_answer_5xx_nor_redirect_off_site(api: Api, route: str) -> None:
    console = Console(api)

    @FUZZ_SETTINGS
    @given(form=FORMS, with_token=st.booleans())
    def check(form: dict[str, str], with_token: bool) -> None:
        data = {**form, "csrf_token": console.csrf} if with_token else form
        assert_answered_safely(console.client.post(console.url(route), data=data))

    check()


@pytest.mark.parametrize("api", BACKENDS, indirect=True)
@pytest.mark.parametrize("route", GET_ROUTES)
def test_console_query_strings_never_answer_5xx_nor_redirect_off_site(api: Api, route: str) -> None:
    console = Console(api)

    @FUZZ_SETTINGS
    @given(query=st.dictionaries(QUERY_KEYS, TEXT, max_size=4))
    def check(query: dict[str, str]) -> None:
        assert_answered_safely(console.client.get(console.url(route), params=query))

    check()
