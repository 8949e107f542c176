"""Small things operators meet: the console's front page warns about links that would reach
nobody, an acknowledgement page leads into the console, and counts read as English."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from pagerd.domain.alert import Alert
from pagerd.entrypoints.console.timeline import describe_timeline
from pagerd.service_layer.ports import TimelineEntry
from tests.e2e.browser.console_app import ConsoleApp
from tests.e2e.test_ack_links import Site

WARNING = "PAGERD_PUBLIC_URL is not set, so links in messages point at http://0.0.0.0:..."


def test_the_front_page_shows_start_up_warnings_to_signed_in_users_only() -> None:
    console = ConsoleApp()
    console.container.operator_warnings = (WARNING,)
    client, _ = console.signed_in_client()

    front = client.get("/", follow_redirects=True)
    signed_out = console.client().get("/sign-in")

    assert WARNING in front.text
    assert "data-operator-warning" in front.text
    assert WARNING not in signed_out.text


def test_without_warnings_the_front_page_shows_none() -> None:
    client, _ = ConsoleApp().signed_in_client()

    assert "data-operator-warning" not in client.get("/", follow_redirects=True).text


def test_the_acknowledged_page_links_to_the_alert_in_the_console() -> None:
    site = Site()
    alert = site.open_alert()

    done = site.client.post(f"/ack/{site.token(alert)}")
    confirm = site.client.get(f"/ack/{site.token(alert)}")

    assert f'href="/alerts/{alert.id}"' in done.text
    assert f'href="/alerts/{alert.id}"' in confirm.text


def test_a_delivery_that_failed_after_one_attempt_says_one_attempt() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    alert = Alert.open(uuid4(), uuid4(), "down", "k", None, at)
    details = {"address": "a@example.com", "attempts": 1, "error": "550 no such user"}
    several = {**details, "attempts": 8}

    lines = describe_timeline(
        alert,
        [
            TimelineEntry(alert.id, at, "delivery_failed", details),
            TimelineEntry(alert.id, at, "delivery_failed", several),
        ],
    )

    assert "after 1 attempt:" in lines[0].text
    assert "after 8 attempts:" in lines[1].text
