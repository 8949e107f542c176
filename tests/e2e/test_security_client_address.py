"""The client address is the connection's unless it comes through a trusted proxy
(PAGERD_TRUSTED_PROXIES), and sign-in throttling counts per account and per address without
letting anyone elsewhere lock a user out (issue 19, item 5)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from pagerd.config import Settings
from pagerd.entrypoints.http.forwarded import TrustedProxyMiddleware
from tests.e2e.browser.console_app import PASSWORD, USERNAME, ConsoleApp, csrf_token


def seen_by(trusted: str, peer: str, headers: dict[str, str]) -> dict[str, Any]:
    app = FastAPI()

    @app.get("/who")
    def who(request: Request) -> dict[str, Any]:
        return {
            "client": request.client.host if request.client else None,
            "scheme": request.url.scheme,
        }

    networks = Settings(_env_file=None, trusted_proxies=trusted).trusted_proxy_networks
    app.add_middleware(TrustedProxyMiddleware, trusted=networks)
    return dict(TestClient(app, client=(peer, 1234)).get("/who", headers=headers).json())


def test_forwarded_headers_are_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    forged = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}

    assert seen_by("", "127.0.0.1", forged) == {"client": "127.0.0.1", "scheme": "http"}
    assert seen_by("10.0.0.0/8", "127.0.0.1", forged)["client"] == "127.0.0.1"
    assert seen_by("127.0.0.0/8", "127.0.0.1", forged) == {
        "client": "203.0.113.5",
        "scheme": "https",
    }


def test_only_the_rightmost_untrusted_hop_is_believed() -> None:
    # The client wrote "1.1.1.1" itself; the trusted proxy appended the real peer.
    chain = {"X-Forwarded-For": "1.1.1.1, 198.51.100.20, 10.0.0.2"}

    assert seen_by("127.0.0.1/32,10.0.0.0/8", "127.0.0.1", chain)["client"] == "198.51.100.20"
    assert seen_by("127.0.0.1/32", "127.0.0.1", {"X-Forwarded-For": "junk"})["client"] == (
        "127.0.0.1"
    )


def sign_in(client: TestClient, password: str) -> int:
    token = csrf_token(client.get("/sign-in").text)
    data = {"csrf_token": token, "username": USERNAME, "password": password}
    return client.post("/sign-in", data=data).status_code


def test_guessing_from_many_addresses_does_not_lock_the_owner_out_of_their_browser() -> None:
    console = ConsoleApp()
    owner = TestClient(console.app, follow_redirects=False, client=("192.0.2.10", 1))
    assert sign_in(owner, PASSWORD) == 303  # the owner's browser becomes a known device
    owner.cookies.delete("pagerd_session")

    for n in range(60):  # past the per-account limit, from 60 addresses
        guesser = TestClient(console.app, follow_redirects=False, client=(f"203.0.113.{n}", 1))
        sign_in(guesser, "wrong password")
    stranger = TestClient(console.app, follow_redirects=False, client=("198.51.100.1", 1))

    assert sign_in(owner, PASSWORD) == 303
    assert sign_in(stranger, PASSWORD) == 429  # a new browser waits: the account is attacked


def test_a_device_cookie_for_another_user_gives_nothing() -> None:
    console = ConsoleApp()
    client = TestClient(console.app, follow_redirects=False)
    client.cookies.set("pagerd_device", "forged.0000", path="/sign-in")

    statuses = [sign_in(client, "wrong") for _ in range(6)]

    assert statuses == [401] * 5 + [429]
