"""The people page in a real browser: an admin adds a person, changes their role, disables
them (which signs them out of their own browser at once) and deletes them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pagerd.domain.accounts import User
from pagerd.domain.roles import Role
from tests.e2e.browser.conftest import DESKTOP, PHONE, ServedConsole, screenshot
from tests.e2e.browser.console_app import PASSWORD, USERNAME

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = pytest.mark.slow

GRACE_PASSWORD = "grace's long password"


def open_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, list[str]]:
    """A page in a context of its own (its own cookies), and the errors its console shows."""
    page = browser.new_context(viewport=viewport).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())
    return page, errors


def sign_in(page: Any, served: ServedConsole, name: str, password: str) -> None:
    page.goto(served.url + "/sign-in")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Alerts", level=1)).to_be_visible()


def unexpected(errors: list[str], status: int) -> list[str]:
    """The errors but the browser's note of the refusal the test itself asked for."""
    return [e for e in errors if f"responded with a status of {status}" not in e]


def row(page: Any, name: str) -> Any:
    return page.locator(f'tr[data-user="{name}"]')


def stored(served: ServedConsole, name: str) -> User | None:
    with served.console.uow() as uow:
        return uow.users.get_by_name(name)


def test_an_admin_manages_a_person_from_the_people_page(
    browser: Any, served: ServedConsole
) -> None:
    admin, errors = open_page(browser, DESKTOP)
    sign_in(admin, served, USERNAME, PASSWORD)

    # Add Grace: a wrong time zone is named next to its field, nothing is added.
    admin.get_by_role("link", name="People").click()
    expect(admin.get_by_role("heading", name="People", level=1)).to_be_visible()
    admin.get_by_label("Name").fill("Grace Hopper")
    admin.get_by_label("E-mail").fill("grace@example.com")
    admin.get_by_label("Role", exact=True).select_option("responder")
    admin.get_by_label("Time zone").fill("America/New_Yrok")
    admin.get_by_label("Password").fill(GRACE_PASSWORD)
    admin.get_by_role("button", name="Add person").click()
    expect(admin.locator("#user-time_zone-error")).to_contain_text("not an IANA time zone")
    assert stored(served, "Grace Hopper") is None
    admin.get_by_label("Time zone").fill("America/New_York")
    admin.get_by_label("Password").fill(GRACE_PASSWORD)
    admin.get_by_role("button", name="Add person").click()
    expect(admin.get_by_text("User created.")).to_be_visible()
    expect(row(admin, "Grace Hopper")).to_contain_text("grace@example.com")
    expect(row(admin, "Grace Hopper")).to_contain_text("America/New_York")

    # Grace signs in, in her own browser, as a responder: no People page for her.
    grace, grace_errors = open_page(browser, DESKTOP)
    sign_in(grace, served, "Grace Hopper", GRACE_PASSWORD)
    expect(grace.get_by_role("link", name="People")).to_have_count(0)
    grace.goto(served.url + "/people")
    expect(grace.get_by_role("heading", name="Not allowed for your role")).to_be_visible()

    # The admin makes her a viewer, then disables her: her next page asks her to sign in.
    row(admin, "Grace Hopper").get_by_label("Role of Grace Hopper").select_option("viewer")
    row(admin, "Grace Hopper").get_by_role("button", name="Change role").click()
    expect(admin.get_by_text("User updated.")).to_be_visible()
    grace_user = stored(served, "Grace Hopper")
    assert grace_user is not None
    assert grace_user.role is Role.VIEWER
    row(admin, "Grace Hopper").get_by_role("button", name="Disable").click()
    expect(row(admin, "Grace Hopper")).to_contain_text("Disabled")
    grace.goto(served.url + "/alerts")
    expect(grace).to_have_url(re.compile(r"/sign-in"))

    # Enabled again, then deleted (the browser asks to confirm; the dialog is accepted).
    row(admin, "Grace Hopper").get_by_role("button", name="Enable").click()
    expect(row(admin, "Grace Hopper")).to_contain_text("Enabled")
    row(admin, "Grace Hopper").get_by_role("button", name="Delete").click()
    expect(admin.get_by_text("User deleted")).to_be_visible()
    expect(row(admin, "Grace Hopper")).to_have_count(0)
    assert stored(served, "Grace Hopper") is None

    # Every step is in the audit log.
    admin.get_by_role("link", name="Audit log").click()
    log = admin.locator("table")
    for action in ("user.created", "user.updated", "user.deleted"):
        expect(log).to_contain_text(action)
    assert unexpected(errors, 422) == []
    assert unexpected(grace_errors, 403) == []


def test_the_last_admin_is_told_why_they_cannot_demote_themselves_even_on_a_phone(
    browser: Any, served: ServedConsole
) -> None:
    page, errors = open_page(browser, PHONE)
    sign_in(page, served, USERNAME, PASSWORD)
    page.goto(served.url + "/people")

    row(page, USERNAME).get_by_label(f"Role of {USERNAME}").select_option("viewer")
    row(page, USERNAME).get_by_role("button", name="Change role").click()

    expect(page.get_by_role("alert")).to_contain_text("the only enabled admin")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "people-last-admin-phone")
    user = stored(served, USERNAME)
    assert user is not None
    assert user.role is Role.ADMIN
    assert unexpected(errors, 409) == []
