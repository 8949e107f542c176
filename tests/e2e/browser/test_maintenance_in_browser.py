"""The maintenance button in a real browser: 1 hour from the service page, the window listed
as current, an alert inside it paging nobody, a custom window refused then saved, a delete
ending the maintenance (the held incident pages then); heartbeats shown with their deadline."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from pagerd.service_layer.heartbeats import create_heartbeat
from pagerd.service_layer.policies import put_policy
from pagerd.testing.harness import level
from tests.e2e.browser.conftest import DESKTOP, ServedConsole, screenshot
from tests.e2e.browser.test_console_in_browser import open_page, sign_in

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = pytest.mark.slow


def _paged(console: Any, alert_id: UUID) -> list[str]:
    """Addresses of the alert's pages (sent to the dev outbox)."""
    with console.uow() as uow:
        return [n.address for n in uow.outbox.list_for_alert(alert_id)]


def test_an_admin_starts_maintenance_for_an_hour_and_ends_it_from_the_service_page(
    browser: Any, served: ServedConsole
) -> None:
    console = served.console
    service_id = console.service("checkout-api")
    put_policy(console.uow(), service_id, [level("oncall@example.com")])
    create_heartbeat(
        console.uow(), console.clock, service_id, "nightly-backup", timedelta(hours=24)
    )
    page, errors = open_page(browser, DESKTOP)
    sign_in(page, served)
    page.goto(f"{served.url}/services/{service_id}")

    heartbeats = page.locator("#heartbeats")
    expect(heartbeats).to_contain_text("nightly-backup")
    expect(heartbeats).to_contain_text("never")
    page.get_by_role("button", name="1 hour").click()

    expect(page).to_have_url(re.compile(r"done=maintenance"))
    expect(page.locator("#maintenance-current")).to_contain_text("In maintenance until")
    expect(page.locator("#maintenance-windows")).to_contain_text("current")
    screenshot(page, "service-maintenance")

    alert = console.alert(service_id, "checkout is down")
    console.run_workers()
    assert _paged(console, alert.id) == []

    page.get_by_text("Custom maintenance window").click()
    page.get_by_label("End (UTC)").fill("2020-01-01T10:00")
    page.get_by_role("button", name="Save maintenance window").click()
    expect(page.locator("#maintenance-errors")).to_contain_text("end")

    page.locator("#maintenance-windows").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"done=maintenance_deleted"))
    expect(page.locator("#maintenance-current")).to_have_count(0)
    console.run_workers()
    assert _paged(console, alert.id) == ["oncall@example.com"]
    assert console.alert_status(alert.id) == "open"
    # The refused custom window answered 422 on purpose; nothing else went wrong.
    assert [e for e in errors if "status of 422" not in e] == []
