"""Incidents in a real browser: severity badges, the severity filter, an exhausted incident,
and the Escalate now, Add note and Resolve actions named after the signed-in user."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pagerd.domain.context import AlertContext, Link
from pagerd.domain.service import IncidentGrouping
from pagerd.domain.severity import Severity
from pagerd.service_layer.alerts import receive_alert
from pagerd.service_layer.policies import put_policy
from pagerd.service_layer.services import create_service
from pagerd.testing.harness import level
from tests.e2e.browser.conftest import DESKTOP, ServedConsole, screenshot
from tests.e2e.browser.test_console_in_browser import open_page, sign_in

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = pytest.mark.slow


def _incidents(served: ServedConsole) -> tuple[Any, Any]:
    """A dedup-key service with a critical incident (two levels) and an info one."""
    console = served.console
    service = create_service(console.uow(), console.clock, "payments", IncidentGrouping.DEDUP_KEY)
    put_policy(
        console.uow(),
        service.id,
        [level("alice@example.com", timeout=60), level("bob@example.com", timeout=60)],
    )
    critical = AlertContext(
        Severity.CRITICAL,
        "api-7",
        {"error_rate": "6.2%"},
        (Link("https://runbooks.example.com/5xx", "Runbook"),),
    )
    hot = receive_alert(console.uow(), console.clock, service.id, "HTTP 5xx", "5xx", critical)
    calm = receive_alert(
        console.uow(),
        console.clock,
        service.id,
        "cert expires in 20 d",
        "cert",
        AlertContext(Severity.INFO),
    )
    console.run_workers()
    return hot.alert, calm.alert


def test_the_list_shows_severity_badges_and_filters_by_severity(
    browser: Any, served: ServedConsole
) -> None:
    _incidents(served)
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)

    cards = page.locator(".card")
    expect(cards).to_have_count(2)
    expect(page.locator(".badge-sev-critical")).to_have_text(re.compile("Critical"))
    expect(page.locator(".badge-sev-info")).to_have_text(re.compile("Info"))

    page.get_by_label("Severity").select_option("info")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"severity=info"))
    expect(cards).to_have_count(1)
    expect(page.get_by_role("link", name="cert expires in 20 d")).to_be_visible()
    screenshot(page, "alerts-severity-filter")
    assert errors == []


def test_escalate_note_and_resolve_from_the_console_name_the_user(
    browser: Any, served: ServedConsole
) -> None:
    hot, _ = _incidents(served)
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)
    page.goto(f"{served.url}/alerts/{hot.id}")
    expect(page.get_by_role("link", name="Runbook")).to_be_visible()
    expect(page.locator("#alert-details")).to_contain_text("6.2%")

    page.get_by_role("button", name="Escalate now").click()
    expect(page.get_by_text("alice escalated to the next level now.")).to_be_visible()
    expect(page.get_by_text("Paged level 2: bob@example.com (email).")).to_be_visible()

    # The last level times out: the page says nobody is being paged any more.
    served.console.advance(60)
    page.reload()
    expect(page.locator("#escalation-ended")).to_contain_text(
        "Escalation ended, nobody is being paged"
    )
    page.get_by_role("link", name="Alerts", exact=True).first.click()
    expect(page.locator(".escalation-ended")).to_have_text(
        "Escalation ended, nobody is being paged"
    )
    page.goto(f"{served.url}/alerts/{hot.id}")

    page.get_by_label("Note for the timeline").fill("rolled back deploy 4812")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Note by alice: rolled back deploy 4812")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_text("Resolved by alice.")).to_be_visible()
    screenshot(page, "alert-actions")
    assert errors == []
