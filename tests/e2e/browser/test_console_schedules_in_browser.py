"""The schedule pages in a real browser: who is on call, the two weeks drawn, an override
taken from the shift list and one made with the cover form; by role: a responder covers
only as themselves, a viewer only reads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pagerd.domain.roles import Role
from pagerd.domain.schedule_build import EARLIEST, LATEST, LayerSpec
from pagerd.service_layer.schedules import create_schedule
from tests.e2e.browser.conftest import DESKTOP, PHONE, ServedConsole, screenshot
from tests.e2e.browser.console_app import PASSWORD, USERNAME
from tests.e2e.browser.test_console_in_browser import open_page, sign_in

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = pytest.mark.slow


def _schedule(served: ServedConsole) -> None:
    console = served.console
    with console.uow() as uow:
        alice = uow.users.get_by_name(USERNAME)
        assert alice is not None
    bob = console.user("bob", Role.RESPONDER)
    console.user("carol", Role.VIEWER)
    # The fake clock starts Thursday 2026-01-01 09:00 UTC: bob's week (from Monday 09:00).
    layer = LayerSpec([alice.id, bob.id], "weekly", 1, "2026-01-05T09:00")
    create_schedule(console.uow(), console.clock, "Primary", "Europe/Berlin", [layer])


def test_an_engineer_sees_who_is_on_call_and_covers_a_shift(
    browser: Any, served: ServedConsole
) -> None:
    _schedule(served)
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)

    page.get_by_role("link", name="On call").click()
    expect(page.get_by_role("heading", name="Who is on call", level=1)).to_be_visible()
    expect(page.locator("[data-now]")).to_contain_text("Now: bob")
    expect(page.locator("[data-next]")).to_contain_text("Next: alice")

    page.get_by_role("link", name="Primary").click()
    expect(page.get_by_role("heading", name="Primary", level=1)).to_be_visible()
    expect(page.locator(".schedule-day")).to_have_count(14)
    expect(page.locator(".schedule-day rect").first).to_be_visible()
    screenshot(page, "schedule-desktop")

    # alice takes bob's current shift from the list.
    page.locator("[data-shift]").first.get_by_role("button", name="Take this shift").click()
    expect(page.get_by_text("Override saved")).to_be_visible()
    page.get_by_role("link", name="Who is on call").click()
    expect(page.locator("[data-now]")).to_contain_text("Now: alice")

    # ... and asks bob to cover an evening, in Berlin time.
    page.get_by_role("link", name="Primary").click()
    page.get_by_label("Who covers").select_option(label="bob")
    page.get_by_label(re.compile("^From")).fill("2026-01-08T18:00")
    page.get_by_label(re.compile("^To")).fill("2026-01-08T23:00")
    page.get_by_role("button", name="Save override").click()
    expect(page.get_by_text("Override saved")).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("bob: Thu 08 Jan 18:00 to Thu 08 Jan 23:00"))
    ).to_have_count(1)
    assert errors == []


def _sign_in_as(page: Any, served: ServedConsole, name: str) -> None:
    page.goto(served.url + "/sign-in")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Alerts", level=1)).to_be_visible()


def test_a_responder_takes_a_shift_as_themselves_and_a_viewer_only_reads(
    browser: Any, served: ServedConsole
) -> None:
    _schedule(served)
    page, errors = open_page(browser, DESKTOP)
    _sign_in_as(page, served, "bob")

    page.goto(served.url + "/on-call")
    page.get_by_role("link", name="Primary").click()
    expect(page.get_by_label("Who covers")).to_have_count(0)
    expect(page.get_by_text("You cover (bob)")).to_be_visible()
    # bob is on call this week; the next shift in the list is alice's: he takes it.
    page.locator("[data-shift]").nth(1).get_by_role("button", name="Take this shift").click()
    expect(page.get_by_text("Override saved")).to_be_visible()
    with served.console.uow() as uow:
        schedule = uow.schedules.get_by_name("Primary")
        assert schedule is not None
        [taken] = uow.schedules.overrides_between(schedule.id, EARLIEST, LATEST)
        bob = uow.users.get_by_name("bob")
    assert bob is not None
    assert taken.user_id == bob.id

    viewer, viewer_errors = open_page(browser, DESKTOP)
    _sign_in_as(viewer, served, "carol")
    viewer.goto(served.url + "/on-call")
    viewer.get_by_role("link", name="Primary").click()
    expect(viewer.get_by_role("heading", name="Primary", level=1)).to_be_visible()
    expect(viewer.get_by_role("button", name="Take this shift")).to_have_count(0)
    expect(viewer.get_by_role("button", name="Save override")).to_have_count(0)
    expect(viewer.get_by_text("You can see schedules")).to_be_visible()
    assert errors == []
    assert viewer_errors == []


def test_the_schedule_pages_read_well_on_a_phone(browser: Any, served: ServedConsole) -> None:
    _schedule(served)
    page, errors = open_page(browser, PHONE)
    sign_in(page, served)

    for path, heading in (("/on-call", "Who is on call"), ("/schedules", None)):
        if heading is None:
            page.goto(served.url + "/on-call")
            page.get_by_role("link", name="Primary").click()
            heading = "Primary"
        else:
            page.goto(served.url + path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{heading} scrolls sideways on a phone ({width}px)"
    screenshot(page, "schedule-phone")
    assert errors == []
