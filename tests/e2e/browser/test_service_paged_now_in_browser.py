"""The service page names whom level 1 would page right now, in a real browser: an address
as itself, a person, and a schedule's person on call ("Primary: bob"), which follows an
override taken on the schedule page (and so does "Who is on call", by service); a schedule
with nobody on call and a disabled person say they page nobody."""

from __future__ import annotations

from typing import Any

import pytest

from pagerd.domain.policy import LevelSpec, TargetSpec
from pagerd.domain.roles import Role
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.service_layer.contact_methods import add_contact_method
from pagerd.service_layer.policies import put_policy
from pagerd.service_layer.schedules import create_schedule
from tests.e2e.browser.conftest import DESKTOP, PHONE, ServedConsole, screenshot
from tests.e2e.browser.console_app import USERNAME
from tests.e2e.browser.test_console_in_browser import open_page, sign_in

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = pytest.mark.slow


def _service_paging_primary(served: ServedConsole, nights_only: bool = False) -> str:
    """checkout: level 1 pages Primary, carol and an address; level 2 an address.
    Primary rotates alice and bob weekly (the fake clock, Thursday 2026-01-01, is bob's)."""
    console = served.console
    with console.uow() as uow:
        alice = uow.users.get_by_name(USERNAME)
        assert alice is not None
    bob = console.user("bob", Role.RESPONDER)
    carol = console.user("carol", Role.RESPONDER)
    for person in (alice, bob, carol):
        add_contact_method(console.uow(), console.clock, person.id, "email", f"{person.name}@x.io")
    nights = [RestrictionSpec(["mon"], "02:00", "03:00")] if nights_only else []
    layer = LayerSpec([alice.id, bob.id], "weekly", 1, "2026-01-05T09:00", nights)
    primary = create_schedule(console.uow(), console.clock, "Primary", "UTC", [layer])
    service_id = console.service("checkout")
    first = [
        TargetSpec("schedule", str(primary.id)),
        TargetSpec("user", str(carol.id)),
        TargetSpec("email", "team@example.com"),
    ]
    second = [TargetSpec("email", "boss@example.com")]
    put_policy(console.uow(), service_id, [LevelSpec(first), LevelSpec(second)])
    return f"{served.url}/services/{service_id}"


def test_the_service_page_names_whom_level_1_pages_now_and_follows_an_override(
    browser: Any, served: ServedConsole
) -> None:
    service_url = _service_paging_primary(served)
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)

    page.goto(service_url)
    panel = page.get_by_role("region", name="Level 1 would page now")
    expect(panel.locator("[data-would-page=schedule]")).to_have_text("Primary: bob")
    expect(panel.locator("[data-would-page=user]")).to_have_text("Person: carol")
    expect(panel.locator("[data-would-page=email]")).to_have_text("E-mail: team@example.com")
    expect(panel.locator("[data-nobody]")).to_have_count(0)
    screenshot(page, "service-paged-now")

    # alice takes bob's current shift on the schedule page: the service page follows.
    page.get_by_role("link", name="On call").click()
    page.get_by_role("link", name="Primary").click()
    page.locator("[data-shift]").first.get_by_role("button", name="Take this shift").click()
    expect(page.get_by_text("Override saved")).to_be_visible()
    page.get_by_role("link", name="Who is on call").click()
    expect(page.locator("#on-call-by-service [data-service]")).to_have_text(
        f"checkout: Primary: {USERNAME}; carol"
    )
    page.goto(service_url)
    expect(panel.locator("[data-would-page=schedule]")).to_have_text(f"Primary: {USERNAME}")
    assert errors == []


def test_a_schedule_with_nobody_on_call_and_a_disabled_person_page_nobody(
    browser: Any, served: ServedConsole
) -> None:
    service_url = _service_paging_primary(served, nights_only=True)
    page, errors = open_page(browser, PHONE)
    sign_in(page, served)

    # carol is disabled from the people page's API twin: the same use case.
    from pagerd.service_layer.user_changes import UserChanges, update_user

    console = served.console
    with console.uow() as uow:
        carol = uow.users.get_by_name("carol")
        assert carol is not None
    update_user(console.uow(), console.clock, carol.id, UserChanges(disabled=True))
    page.goto(service_url)

    panel = page.get_by_role("region", name="Level 1 would page now")
    expect(panel.locator("[data-would-page=schedule]")).to_have_text("Primary: nobody on call")
    expect(panel.locator("[data-would-page=user]")).to_have_text(
        "Person: carol (pages nobody: the user is disabled)"
    )
    expect(panel.locator("[data-nobody]")).to_have_count(2)
    expect(panel.locator("#paged-now-warning")).to_have_count(0)  # the address still reaches
    screenshot(page, "service-paged-now-phone")
    assert errors == []
