"""The console's sessions as rows and its roles: a session ends on its very next request
once its row is gone, and each role sees and does what it may (403 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from pagerd.domain.roles import Role
from pagerd.entrypoints.console.sessions import COOKIE_NAME, Session, SessionCodec
from pagerd.service_layer.user_changes import delete_user, set_disabled, set_password
from tests.e2e.browser.console_app import FAST_HASHER, PASSWORD, SECRET_KEY, ConsoleApp, csrf_token


@pytest.fixture
def console() -> ConsoleApp:
    return ConsoleApp()


def test_a_cookie_kept_after_signing_out_no_longer_signs_in(console: ConsoleApp) -> None:
    client, token = console.signed_in_client()
    kept = client.cookies[COOKIE_NAME]

    client.post("/sign-out", data={"csrf_token": token})
    replay = console.client()
    replay.cookies.set(COOKIE_NAME, kept)

    assert replay.get("/alerts").status_code == 303


def test_a_validly_signed_cookie_naming_no_session_grants_nothing(console: ConsoleApp) -> None:
    now = int(console.clock.now().timestamp())
    forged = SessionCodec(SECRET_KEY).dumps(Session("csrf", now, "a-secret-never-issued"))
    client = console.client()
    client.cookies.set(COOKIE_NAME, forged)

    assert client.get("/alerts").status_code == 303


Revoke = Callable[[ConsoleApp, UUID], object]
REVOCATIONS: dict[str, Revoke] = {
    "disabled": lambda c, u: set_disabled(c.uow(), c.clock, u, True),
    "deleted": lambda c, u: delete_user(c.uow(), c.clock, u),
    "password reset": lambda c, u: set_password(
        c.uow(), c.clock, u, "a brand new password", hasher=FAST_HASHER
    ),
}


@pytest.mark.parametrize("how", REVOCATIONS)
def test_a_revoked_session_is_refused_on_its_very_next_request(
    console: ConsoleApp, how: str
) -> None:
    bob = console.user("bob", Role.RESPONDER)
    client, token = console.signed_in_client("bob")
    alert = console.alert(console.service())
    assert client.get("/alerts").status_code == 200

    REVOCATIONS[how](console, bob.id)
    page = client.get("/alerts")
    form = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token})

    assert page.status_code == 303
    assert page.headers["location"].startswith("/sign-in")
    assert form.status_code == 303
    assert console.alert_status(alert.id) == "open"


def test_a_disabled_user_cannot_sign_in_again(console: ConsoleApp) -> None:
    bob = console.user("bob", Role.RESPONDER)
    set_disabled(console.uow(), console.clock, bob.id, True)
    client = console.client()
    token = csrf_token(client.get("/sign-in").text)

    answer = client.post(
        "/sign-in", data={"csrf_token": token, "username": "bob", "password": PASSWORD}
    )

    assert answer.status_code == 401
    assert "Wrong username or password." in answer.text


def _signed_in(console: ConsoleApp, role: Role) -> tuple[TestClient, str]:
    console.user(f"a-{role.value}", role)
    return console.signed_in_client(f"a-{role.value}")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_alerts_services_and_outbox(console: ConsoleApp, role: Role) -> None:
    client, _ = _signed_in(console, role)
    service = console.service()

    for path in ("/alerts", "/services", f"/services/{service}", "/outbox"):
        assert client.get(path).status_code == 200, path


def test_a_viewer_is_refused_every_console_action_and_nothing_changes(
    console: ConsoleApp,
) -> None:
    client, token = _signed_in(console, Role.VIEWER)
    service = console.service()
    alert = console.alert(service)
    someone = console.user("someone", Role.RESPONDER)
    forms = [
        f"/alerts/{alert.id}/acknowledge",
        f"/services/{service}/healthy",
        "/services",
        f"/services/{service}/policy",
        "/people",
        f"/people/{someone.id}/disable",
        f"/people/{someone.id}/role",
        f"/people/{someone.id}/delete",
    ]

    answers = {path: client.post(path, data={"csrf_token": token, "name": "x"}) for path in forms}

    assert {p: a.status_code for p, a in answers.items() if a.status_code != 403} == {}
    assert "you are a viewer" in answers["/services"].text
    assert console.alert_status(alert.id) == "open"
    assert sorted(u.name for u in console.users()) == ["a-viewer", "alice", "someone"]
    assert not any(u.disabled for u in console.users())


def test_a_responder_acknowledges_and_marks_healthy_but_does_not_configure(
    console: ConsoleApp,
) -> None:
    client, token = _signed_in(console, Role.RESPONDER)
    service = console.service()
    alert = console.alert(service)

    acked = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token})
    healed = client.post(f"/services/{service}/healthy", data={"csrf_token": token})
    created = client.post("/services", data={"csrf_token": token, "name": "new"})

    assert (acked.status_code, healed.status_code, created.status_code) == (303, 303, 403)
    assert console.alert_status(alert.id) == "resolved"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.RESPONDER])
def test_only_admins_see_and_open_the_people_and_audit_pages(
    console: ConsoleApp, role: Role
) -> None:
    client, _ = _signed_in(console, role)
    admin, _ = console.signed_in_client()

    assert client.get("/people").status_code == 403
    assert client.get("/audit-log").status_code == 403
    assert 'href="/people"' not in client.get("/alerts").text
    assert 'href="/people"' in admin.get("/alerts").text
    assert admin.get("/people").status_code == 200
    assert admin.get("/audit-log").status_code == 200


def test_an_admin_adds_a_person_who_can_then_sign_in(console: ConsoleApp) -> None:
    admin, token = console.signed_in_client()
    data = {
        "csrf_token": token,
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "role": "responder",
        "time_zone": "America/New_York",
        "password": "a long enough password",
    }

    answer = admin.post("/people", data=data)

    assert answer.status_code == 303
    assert "Grace Hopper" in admin.get("/people").text
    grace, _ = console.signed_in_client("Grace Hopper", "a long enough password")
    assert grace.get("/alerts").status_code == 200


def test_a_person_with_bad_fields_is_not_added_and_each_field_says_why(
    console: ConsoleApp,
) -> None:
    admin, token = console.signed_in_client()
    data = {"csrf_token": token, "name": "-bad", "email": "nope", "time_zone": "Mars/Base"}

    answer = admin.post("/people", data=data)

    assert answer.status_code == 422
    assert answer.text.count('aria-invalid="true"') == 3
    assert "is not an IANA time zone name" in answer.text
    assert [u.name for u in console.users()] == ["alice"]


def test_the_last_admin_cannot_demote_themselves_and_the_page_says_why(
    console: ConsoleApp,
) -> None:
    admin, token = console.signed_in_client()
    alice = console.users()[0]

    answer = admin.post(f"/people/{alice.id}/role", data={"csrf_token": token, "role": "viewer"})

    assert answer.status_code == 409
    assert "alice is the only enabled admin" in answer.text


def test_the_audit_page_shows_who_changed_what(console: ConsoleApp) -> None:
    admin, token = console.signed_in_client()
    admin.post("/services", data={"csrf_token": token, "name": "billing"})

    page = admin.get("/audit-log").text

    assert "service.created" in page
    assert "alice" in page
    assert "billing" in page


@pytest.mark.parametrize(
    ("role", "acts", "configures"),
    [(Role.VIEWER, False, False), (Role.RESPONDER, True, False), (Role.ADMIN, True, True)],
)
def test_pages_offer_only_the_actions_the_role_allows(
    console: ConsoleApp, role: Role, acts: bool, configures: bool
) -> None:
    client, _ = _signed_in(console, role)
    service = console.service()
    alert = console.alert(service)

    alert_page = client.get(f"/alerts/{alert.id}").text
    service_page = client.get(f"/services/{service}").text
    services_page = client.get("/services").text

    assert ('id="acknowledge"' in alert_page) is acts
    assert ('action="/services/' in alert_page) is acts
    assert ("Create service" in services_page) is configures
    assert ('class="plain-fieldset" disabled' in service_page) is not configures
