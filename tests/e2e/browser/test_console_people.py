"""People in the console, in a real browser: "my profile" (contact methods, a test message,
notification rules) and the person picker of the policy editor."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from pagerd.domain.policy import UserTarget
from pagerd.service_layer.contact_methods import get_profile
from pagerd.service_layer.policies import get_policy
from pagerd.service_layer.users import create_user
from tests.e2e.browser.conftest import DESKTOP, PHONE, ServedConsole, screenshot
from tests.e2e.browser.console_app import FAST_HASHER, USERNAME
from tests.e2e.browser.test_console_in_browser import open_page, sign_in

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = pytest.mark.slow


def _unexpected(errors: list[str]) -> list[str]:
    # The refused forms answer 422 on purpose; the browser logs each such answer.
    return [e for e in errors if "status of 422" not in e]


def _signed_in_user_id(served: ServedConsole) -> UUID:
    uow = served.console.uow()
    with uow:
        user = uow.users.get_by_name(USERNAME)
    assert user is not None
    return user.id


def test_a_responder_sets_up_contact_methods_rules_and_a_test_message_on_their_profile(
    browser: Any, served: ServedConsole
) -> None:
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)
    page.get_by_role("link", name="My profile").click()
    expect(page.get_by_role("heading", name="My profile", level=1)).to_be_visible()
    expect(page.get_by_text("No contact method yet")).to_be_visible()

    # A bad phone number is refused next to the field, and nothing is stored.
    page.get_by_label("Type").select_option("sms")
    page.get_by_label("Address").fill("0800 PAGER")
    page.get_by_role("button", name="Add contact method").click()
    expect(page.get_by_text("must be an E.164 phone number")).to_be_visible()
    expect(page.get_by_label("Address")).to_be_focused()
    page.get_by_label("Address").fill("+14155550123")
    page.get_by_label("Label (optional)").fill("work phone")
    page.get_by_role("button", name="Add contact method").click()
    expect(page.get_by_text("Contact method added.")).to_be_visible()
    page.get_by_label("Type").select_option("email")
    page.get_by_label("Address").fill("alice@example.com")
    page.get_by_role("button", name="Add contact method").click()
    expect(page.locator("[data-contact-method]")).to_have_count(2)

    # Rules: e-mail at once, the phone after 5 minutes.
    page.get_by_label("Rule 1: page").select_option(label="email: alice@example.com")
    page.locator("#rules-0-delay").fill("0")
    page.get_by_label("Rule 2: page").select_option(label="work phone: +14155550123")
    page.locator("#rules-1-delay").fill("5")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Notification rules saved.")).to_be_visible()
    profile = get_profile(served.console.uow(), _signed_in_user_id(served))
    by_address = {m.id: m.address for m in profile.contact_methods}
    assert [(by_address[r.contact_method_id], r.delay_minutes) for r in profile.rules] == [
        ("alice@example.com", 0),
        ("+14155550123", 5),
    ]
    # Rules without an immediate one are refused, and the saved ones stay.
    page.locator("#rules-0-delay").fill("3")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("at least one rule with delay_minutes 0")).to_be_visible()
    assert len(get_profile(served.console.uow(), _signed_in_user_id(served)).rules) == 2

    # A test message goes through the outbox, then shows in the dev outbox.
    page.goto(served.url + "/profile")
    page.get_by_role("button", name="Send a test message to alice@example.com").click()
    expect(page.get_by_text("Test message queued")).to_be_visible()
    screenshot(page, "profile-desktop")
    served.console.run_workers()
    page.get_by_role("link", name="Dev outbox").click()
    expect(page.get_by_text("[pagerd] Test message").first).to_be_visible()

    phone, phone_errors = open_page(browser, PHONE)
    sign_in(phone, served)
    phone.goto(served.url + "/profile")
    expect(phone.get_by_role("button", name="Save rules")).to_be_visible()
    screenshot(phone, "profile-phone")
    assert _unexpected(errors) == []
    assert phone_errors == []


def test_the_policy_editor_picks_a_person_for_a_level(browser: Any, served: ServedConsole) -> None:
    bob = create_user(served.console.uow(), served.console.clock, "bob", "x" * 12, FAST_HASHER)
    service_id = served.console.service("checkout-api")
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)
    page.goto(f"{served.url}/services/{service_id}")

    page.get_by_label("Target 1 address").fill("oncall@example.com")
    page.get_by_role("button", name="+ Add a person to level 1").click()
    picker = page.get_by_label("Target 2 person")
    expect(picker).to_be_focused()
    expect(picker.locator("option")).to_have_text(["Choose a person", "alice", "bob"])
    picker.select_option(label="bob")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("Escalation policy saved.")).to_be_visible()

    policy = get_policy(served.console.uow(), service_id)
    targets = policy.levels[0].targets
    assert isinstance(targets[1], UserTarget)
    assert targets[1].user_id == bob.id
    page.reload()
    expect(page.get_by_label("Target 2 person")).to_have_value(str(bob.id))

    # Saving a person row left unchosen is refused next to the picker.
    page.get_by_role("button", name="+ Add a person to level 1").click()
    page.get_by_role("button", name="Save policy").click()
    expect(page.locator("#levels-0-targets-2-address-error")).to_contain_text("is required")
    assert len(get_policy(served.console.uow(), service_id).levels[0].targets) == 2
    assert _unexpected(errors) == []
