"""The console in a real browser: an incident handled end to end, and every page on a phone.

Slow by nature (a browser, a server): two tests, each covering a whole journey.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from pagerd.domain.roles import Role
from pagerd.service_layer.alerts import acknowledge, receive_alert
from pagerd.service_layer.policies import put_policy
from pagerd.service_layer.services import mark_healthy
from pagerd.testing.harness import level
from tests.e2e.browser.conftest import DESKTOP, PHONE, ServedConsole, screenshot
from tests.e2e.browser.console_app import PASSWORD, USERNAME

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = pytest.mark.slow

LIVE_TIMEOUT_MS = 15_000  # the console polls every 5 s


def open_page(
    browser: Any, viewport: dict[str, int], color_scheme: str = "light"
) -> tuple[Any, list[str]]:
    """A new page, and the errors its console reports (a CSP violation would be one)."""
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def sign_in(page: Any, served: ServedConsole) -> None:
    page.goto(served.url + "/")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Alerts", level=1)).to_be_visible()


def test_an_on_call_engineer_handles_an_incident_from_the_console(
    browser: Any, served: ServedConsole
) -> None:
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)

    # Create a service and give it a two-level policy in the editor.
    page.get_by_role("link", name="Services").click()
    page.get_by_label("Name").fill("checkout-api")
    page.get_by_role("button", name="Create service").click()
    expect(page.get_by_role("heading", name="checkout-api", level=1)).to_be_visible()
    page.get_by_label("Wait for acknowledgement (seconds)").fill("300")
    page.get_by_label("Target 1 address").fill("oncall@example.com")
    page.get_by_role("button", name="+ Add a level").click()
    expect(page.locator("#levels-1-targets-0-address")).to_be_focused()
    page.locator("#levels-1-targets-0-type").select_option("sms")
    page.locator("#levels-1-targets-0-address").fill("+14155550123")
    page.locator("#levels-1-timeout").fill("600")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("Escalation policy saved.")).to_be_visible()
    service_id = page.url.split("/services/")[1].split("?")[0]
    policy = _stored_policy(served, service_id)
    assert [len(lv.targets) for lv in policy.levels] == [1, 1]
    assert [lv.ack_timeout.total_seconds() for lv in policy.levels] == [300, 600]

    # An alert arrives while the alerts page is open: it appears without a reload.
    page.get_by_role("link", name=re.compile(r"^Alerts")).click()
    expect(page.get_by_text("No open alerts.")).to_be_visible()
    page.evaluate("window.pagerdNotReloaded = true")
    alert = served.console.alert(_uuid(service_id), "checkout-api answers 500 on /pay")
    served.console.run_workers()
    link = page.get_by_role("link", name="checkout-api answers 500 on /pay")
    expect(link).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.pagerdNotReloaded === true")
    expect(page.locator("[data-open-count-badge]")).to_have_text("1 open")

    # Open it, acknowledge it, and watch its timeline.
    link.click()
    expect(page.get_by_text("Paged level 1: oncall@example.com (email).")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged by alice. Escalation stopped.")).to_be_visible()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    served.console.alert(_uuid(service_id), "checkout-api latency above 2 s")
    expect(page.get_by_text(re.compile("Another alert joined this incident"))).to_be_visible(
        timeout=LIVE_TIMEOUT_MS
    )

    # Mark the service healthy (after confirming), then read the page in the dev outbox.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Mark service healthy").click()
    expect(page.get_by_text("Resolved: the service was marked healthy.")).to_be_visible()
    assert _stored_alert_status(served, alert.id) == "resolved"
    page.get_by_role("link", name="Dev outbox").click()
    expect(page.locator(".message-body").first).to_contain_text("checkout-api answers 500")

    # Sign out: the pages are closed again.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(served.url + "/alerts")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Falerts"))
    assert errors == []


def test_every_main_page_reads_well_on_a_desktop_and_a_phone(
    browser: Any, served: ServedConsole
) -> None:
    pages = _seed_an_eventful_night(served)
    devices = [
        ("desktop", DESKTOP, "light"),
        ("phone", PHONE, "light"),
        ("phone-dark", PHONE, "dark"),
    ]
    for device, viewport, scheme in devices:
        page, errors = open_page(browser, viewport, scheme)
        page.goto(served.url + "/sign-in")
        screenshot(page, f"sign-in-{device}")
        sign_in(page, served)
        for name, path in pages.items():
            page.goto(served.url + path)
            _check_accessible_structure(page, path)
            if viewport is PHONE:
                _check_fits_the_screen(page, path)
            screenshot(page, f"{name}-{device}")
        assert errors == [], device


def test_the_keyboard_reaches_the_main_content_first_with_a_visible_focus(
    browser: Any, served: ServedConsole
) -> None:
    page, _ = open_page(browser, DESKTOP)
    sign_in(page, served)

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def _check_accessible_structure(page: Any, path: str) -> None:
    assert page.locator("main").count() == 1, path
    assert page.locator("h1").count() == 1, path
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !el.closest('[aria-hidden=true]'))
              .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
              .map(el => el.name)"""
    )
    assert unlabelled == [], path


def _check_fits_the_screen(page: Any, path: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"


def _seed_an_eventful_night(served: ServedConsole) -> dict[str, str]:
    """Services in every state, with history, and the pages they sent: what screenshots show."""
    console = served.console
    ids = {n: console.service(n) for n in ("checkout-api", "payments", "search", "auth")}
    console.service("billing-worker")
    for name, service_id in ids.items():
        put_policy(
            console.uow(),
            service_id,
            [level(f"{name}-oncall@example.com", timeout=300), level("+14155550123", timeout=900)],
            repeat=1,
        )
    old = receive_alert(console.uow(), console.clock, ids["auth"], "auth: login error rate 12%")
    console.advance(0)
    console.advance(240)
    mark_healthy(console.uow(), console.clock, ids["auth"])
    console.advance(1800)
    acked = receive_alert(console.uow(), console.clock, ids["payments"], "payments: queue backlog")
    console.advance(0)
    console.advance(120)
    acknowledge(console.uow(), console.clock, acked.alert.id, "bob")
    console.advance(600)
    message = "checkout-api: HTTP 5xx above 5% for 10 minutes"
    opened = receive_alert(
        console.uow(), console.clock, ids["checkout-api"], message, "HighErrorRate/checkout-api"
    )
    console.advance(0)
    console.advance(300)  # level 1 timed out: level 2 is paged
    console.advance(420)
    assert old.alert.id != opened.alert.id
    console.user("Grace Hopper", Role.RESPONDER)
    console.user("viewer.on.duty@example.com", Role.VIEWER)
    return {
        "people": "/people",
        "audit-log": "/audit-log",
        "alerts": "/alerts",
        "alert": f"/alerts/{opened.alert.id}",
        "services": "/services",
        "service": f"/services/{ids['checkout-api']}",
        "outbox": "/outbox",
    }


def _uuid(text: str) -> Any:
    from uuid import UUID

    return UUID(text)


def _stored_policy(served: ServedConsole, service_id: str) -> Any:
    uow = served.console.uow()
    with uow:
        policy = uow.policies.get_for_service(_uuid(service_id))
    assert policy is not None
    return policy


def _stored_alert_status(served: ServedConsole, alert_id: Any) -> str:
    uow = served.console.uow()
    with uow:
        alert = uow.alerts.get(alert_id)
    assert alert is not None
    return str(alert.status.value)
