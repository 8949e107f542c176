"""The "my profile" forms without a browser: CSRF, someone else's contact method, bad rules."""

from __future__ import annotations

from pagerd.domain.accounts import User
from pagerd.service_layer.contact_methods import add_contact_method, get_profile
from pagerd.service_layer.users import create_user
from tests.e2e.browser.console_app import FAST_HASHER, USERNAME, ConsoleApp


def _me(console: ConsoleApp) -> User:
    uow = console.uow()
    with uow:
        user = uow.users.get_by_name(USERNAME)
    assert user is not None
    return user


def test_a_form_without_the_sessions_csrf_token_changes_nothing() -> None:
    console = ConsoleApp()
    client, _ = console.signed_in_client()

    answer = client.post(
        "/profile/contact-methods",
        data={"csrf_token": "forged", "type": "email", "address": "x@example.com"},
    )

    assert answer.status_code == 403
    assert get_profile(console.uow(), _me(console).id).contact_methods == []


def test_someone_elses_contact_method_cannot_be_tested_or_removed() -> None:
    console = ConsoleApp()
    bob = create_user(console.uow(), console.clock, "bob", "x" * 12, FAST_HASHER)
    method = add_contact_method(console.uow(), console.clock, bob.id, "sms", "+14155550123")
    client, token = console.signed_in_client()

    for action in ("test", "delete"):
        answer = client.post(
            f"/profile/contact-methods/{method.id}/{action}", data={"csrf_token": token}
        )
        assert answer.status_code == 404, action
    assert [m.id for m in get_profile(console.uow(), bob.id).contact_methods] == [method.id]
    with console.uow() as uow:
        assert uow.test_messages.next_attempt_at() is None


def test_rules_that_are_not_numbers_are_refused_next_to_the_form() -> None:
    console = ConsoleApp()
    me = _me(console)
    method = add_contact_method(console.uow(), console.clock, me.id, "email", "a@example.com")
    client, token = console.signed_in_client()

    answer = client.post(
        "/profile/notification-rules",
        data={"csrf_token": token, "rules-0-method": str(method.id), "rules-0-delay": "soon"},
    )

    assert answer.status_code == 422
    assert "a whole number, 0 to 1440" in answer.text
    assert get_profile(console.uow(), me.id).rules == []


def test_a_profile_form_posted_after_the_session_ended_leads_back_to_the_profile() -> None:
    console = ConsoleApp()
    client = console.client()

    answer = client.post(
        "/profile/contact-methods/00000000-0000-4000-8000-000000000000/test",
        data={"csrf_token": "x"},
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?expired=1&next=%2Fprofile"
