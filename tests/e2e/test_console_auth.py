"""The console's doors: sessions, sign-in, sign-out, rate limits and security headers."""

from __future__ import annotations

import re
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from pagerd.entrypoints.console.ratelimit import Limits, SignInLimiter
from pagerd.entrypoints.console.sessions import COOKIE_NAME, Session, SessionCodec
from pagerd.testing import FakeClock
from tests.e2e.browser.console_app import PASSWORD, USERNAME, ConsoleApp, csrf_token

PAGES = ["/", "/alerts", "/services", "/outbox"]


@pytest.fixture
def console() -> ConsoleApp:
    return ConsoleApp()


def sign_in(
    client: TestClient, username: str = USERNAME, password: str = PASSWORD, **extra: str
) -> Response:
    token = csrf_token(client.get("/sign-in").text)
    data = {"csrf_token": token, "username": username, "password": password, **extra}
    return client.post("/sign-in", data=data)


def cookie_attributes(response: Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):  # one cookie per header
        jar.load(header)
    return jar


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_a_visitor_without_a_session_to_sign_in(console: ConsoleApp, path: str) -> None:
    answer = console.client().get(path)

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")


def test_an_unknown_service_or_alert_page_also_asks_to_sign_in_first(console: ConsoleApp) -> None:
    client = console.client()
    service_id = console.service()
    alert = console.alert(service_id)

    for path in (f"/services/{service_id}", f"/alerts/{alert.id}"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/sign-in?next=" + path.replace("/", "%2F")


def test_live_fragments_answer_401_without_a_session(console: ConsoleApp) -> None:
    alert = console.alert(console.service())
    client = console.client()

    assert client.get("/alerts/live").status_code == 401
    assert client.get(f"/alerts/{alert.id}/live").status_code == 401


def test_signing_in_leads_to_the_page_first_asked_for(console: ConsoleApp) -> None:
    client = console.client()

    answer = sign_in(client, next="/outbox")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/outbox"
    assert client.get("/outbox").status_code == 200


def test_the_session_cookie_is_httponly_and_samesite_lax_but_not_secure_over_http(
    console: ConsoleApp,
) -> None:
    cookie = cookie_attributes(sign_in(console.client()))[COOKIE_NAME]

    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]
    assert int(cookie["max-age"]) == 12 * 3600


def test_the_session_cookie_is_secure_when_pagerd_is_reached_over_https() -> None:
    console = ConsoleApp(public_url="https://pagerd.example.com")
    client = console.client()

    answer = client.get("/sign-in")

    assert cookie_attributes(answer)[COOKIE_NAME]["secure"] is True


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(console: ConsoleApp) -> None:
    wrong_password = sign_in(console.client(), password="not the password at all")
    unknown_user = sign_in(console.client(), username="mallory")

    for answer in (wrong_password, unknown_user):
        assert answer.status_code == 401
        assert "Wrong username or password." in answer.text
        assert COOKIE_NAME not in answer.headers.get("set-cookie", "")
    # Neither page hints at which part was wrong.
    assert _error_text(wrong_password.text) == _error_text(unknown_user.text)


def _error_text(html: str) -> str:
    found = re.search(r'id="signin-error">(.*?)</div>', html, re.S)
    assert found is not None
    return found[1]


def test_a_sign_in_without_the_form_token_is_refused(console: ConsoleApp) -> None:
    client = console.client()
    client.get("/sign-in")

    answer = client.post(
        "/sign-in", data={"csrf_token": "forged", "username": USERNAME, "password": PASSWORD}
    )

    assert answer.status_code == 403
    assert client.get("/alerts").status_code == 303


def test_sign_in_never_redirects_to_another_site(console: ConsoleApp) -> None:
    for target in ("//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com"):
        answer = sign_in(console.client(), next=target)
        assert answer.headers["location"] == "/alerts"


def test_signing_out_ends_the_session_in_the_browser(console: ConsoleApp) -> None:
    client, token = console.signed_in_client()

    answer = client.post("/sign-out", data={"csrf_token": token})

    assert answer.status_code == 303
    assert (
        "Max-Age=0" in answer.headers["set-cookie"]
        or "expires=" in answer.headers["set-cookie"].lower()
    )
    assert client.get("/alerts").status_code == 303


def test_signing_out_without_the_form_token_keeps_the_session(console: ConsoleApp) -> None:
    client, _ = console.signed_in_client()

    assert client.post("/sign-out", data={}).status_code == 403
    assert client.get("/alerts").status_code == 200


def test_a_session_ends_after_its_lifetime(console: ConsoleApp) -> None:
    client, _ = console.signed_in_client()

    console.clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert client.get("/alerts").status_code == 200
    console.clock.advance(timedelta(seconds=1))
    assert client.get("/alerts").status_code == 303


def test_a_tampered_session_cookie_is_refused(console: ConsoleApp) -> None:
    client, _ = console.signed_in_client()
    value = client.cookies[COOKIE_NAME]
    body, signature = value.split(".")
    forged = SessionCodec(b"another key").dumps(
        Session("t", int(console.clock.now().timestamp()), None, None)
    )

    for bad in (body + "x." + signature, forged, "garbage", ""):
        client.cookies.set(COOKIE_NAME, bad)
        assert client.get("/alerts").status_code == 303


def test_failed_sign_ins_are_limited_even_with_the_right_password_then_allowed_again(
    console: ConsoleApp,
) -> None:
    client = console.client()
    for _ in range(5):
        assert sign_in(client, password="guess guess guess").status_code == 401

    limited = sign_in(client)

    assert limited.status_code == 429
    assert "Too many failed sign-ins" in limited.text
    assert int(limited.headers["retry-after"]) == 15 * 60
    console.clock.advance(timedelta(minutes=15))
    assert sign_in(client).status_code == 303


def test_the_limiter_counts_per_address_across_usernames() -> None:
    clock = FakeClock()
    limiter = SignInLimiter(clock, Limits(per_user_and_address=5, per_address=3, per_user=50))

    for name in ("a", "b", "c"):
        limiter.failed(name, "10.0.0.1")

    assert limiter.retry_after("d", "10.0.0.1") == timedelta(minutes=15)
    assert limiter.retry_after("d", "10.0.0.2") is None


def test_a_successful_sign_in_clears_the_pair_but_not_the_address() -> None:
    clock = FakeClock()
    limiter = SignInLimiter(clock, Limits(per_user_and_address=2, per_address=3, per_user=50))
    limiter.failed("alice", "10.0.0.1")
    limiter.failed("alice", "10.0.0.1")
    assert limiter.retry_after("alice", "10.0.0.1") is not None

    limiter.succeeded("alice", "10.0.0.1")
    assert limiter.retry_after("alice", "10.0.0.1") is None
    limiter.failed("bob", "10.0.0.1")
    assert limiter.retry_after("carol", "10.0.0.1") is not None


@pytest.mark.parametrize("path", ["/sign-in", "/alerts", "/services", "/outbox", "/alerts/live"])
def test_console_responses_carry_the_security_headers(console: ConsoleApp, path: str) -> None:
    client, _ = console.signed_in_client() if path != "/sign-in" else (console.client(), "")

    headers = client.get(path).headers

    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_static_files_are_served_by_pagerd_with_the_security_headers(console: ConsoleApp) -> None:
    page = console.client().get("/sign-in").text
    assets = re.findall(r'(?:href|src)="(/static/console/[^"]+)"', page)

    assert {a.split("?")[0] for a in assets} >= {
        "/static/console/console.css",
        "/static/console/console.js",
    }
    for asset in assets:
        answer = console.client().get(asset)
        assert answer.status_code == 200
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_pages_hold_no_inline_script_style_or_external_resource(console: ConsoleApp) -> None:
    client, _ = console.signed_in_client()
    service_id = console.service()
    alert = console.alert(service_id)

    for path in ("/alerts", f"/alerts/{alert.id}", "/services", f"/services/{service_id}"):
        html = client.get(path).text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert re.search(r"\sstyle=", html) is None, path
        assert re.search(r"\son[a-z]+=", html) is None, path
        assert re.search(r'(?:src|href)="(?:https?:)?//', html) is None, path
