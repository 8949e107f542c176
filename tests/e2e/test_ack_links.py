"""Acknowledge links over HTTP: GET asks and changes nothing, POST acknowledges; expired,
tampered and other-alert tokens are refused with a page and a 4xx."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.entrypoints.http import acknowledge_links
from pagerd.service_layer.ack_tokens import AckLinkSigner
from pagerd.testing import RecordingSignal
from pagerd.testing.harness import PagingHarness, level

SECRET = b"ack-links-secret"
SIGNER = AckLinkSigner(SECRET)


class Site:
    """pagerd on fakes, with the acknowledge-link routes served over HTTP."""

    def __init__(self) -> None:
        self.h = PagingHarness()
        container = Container(
            settings=Settings(),
            uow_factory=lambda: self.h.uow,
            clock=self.h.clock,
            senders=self.h.senders,
            wakeup=RecordingSignal(),
            public_url="https://pagerd.example.com",
            secret_key=SECRET,
        )
        app = FastAPI()
        app.include_router(acknowledge_links.build_router(container))
        self.client = TestClient(app)

    def open_alert(self, name: str = "checkout") -> Alert:
        service = self.h.create_service(name)
        self.h.set_policy(service.id, [level("alice@example.com"), level("bob@example.com")])
        alert = self.h.alert(service.id, f"<b>{name}</b> is down")
        self.h.run_workers()
        return alert

    def token(self, alert: Alert, target_id: UUID | None = None, hours: int = 24) -> str:
        assert alert.plan is not None
        target = target_id or alert.plan.levels[0].targets[0].id
        return SIGNER.sign(alert.id, target, self.h.clock.now() + timedelta(hours=hours))

    def status(self, alert: Alert) -> AlertStatus:
        return self.h.get_alert(alert.id).status


@pytest.fixture
def site() -> Site:
    return Site()


def test_opening_a_link_shows_the_alert_and_a_button_and_changes_nothing(site: Site) -> None:
    alert = site.open_alert()

    for _ in range(3):  # mail scanners and previews fetch links, sometimes more than once
        response = site.client.get(f"/ack/{site.token(alert)}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert '<form method="post"' in response.text
    assert "&lt;b&gt;checkout&lt;/b&gt; is down" in response.text
    assert site.status(alert) is AlertStatus.OPEN
    assert [e.type for e in site.h.timeline(alert.id)].count("acknowledged") == 0


def test_posting_the_link_acknowledges_as_its_target_and_stops_escalation(site: Site) -> None:
    alert = site.open_alert()

    response = site.client.post(f"/ack/{site.token(alert)}")

    assert response.status_code == 200
    assert "Acknowledged" in response.text
    acked = site.h.get_alert(alert.id)
    assert acked.status is AlertStatus.ACKNOWLEDGED
    assert acked.acknowledged_by == "alice@example.com (link)"
    site.h.advance(3600)
    assert site.h.paged_addresses() == ["alice@example.com"]  # level 1 was never paged


def test_posting_a_link_twice_is_harmless(site: Site) -> None:
    alert = site.open_alert()
    token = site.token(alert)

    first = site.client.post(f"/ack/{token}")
    second = site.client.post(f"/ack/{token}")

    assert (first.status_code, second.status_code) == (200, 200)
    assert [e.type for e in site.h.timeline(alert.id)].count("acknowledged") == 1


def test_an_expired_link_is_refused_and_changes_nothing(site: Site) -> None:
    alert = site.open_alert()
    token = site.token(alert, hours=1)
    site.h.clock.advance(timedelta(hours=1))

    for response in (site.client.get(f"/ack/{token}"), site.client.post(f"/ack/{token}")):
        assert response.status_code == 410
        assert "Link expired" in response.text
    assert site.status(alert) is AlertStatus.OPEN


def test_a_tampered_link_is_refused_and_changes_nothing(site: Site) -> None:
    alert = site.open_alert()
    token = site.token(alert)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    response = site.client.post(f"/ack/{tampered}")

    assert response.status_code == 403
    assert "Invalid link" in response.text
    assert site.status(alert) is AlertStatus.OPEN


def test_a_link_signed_for_a_target_of_another_alert_is_refused(site: Site) -> None:
    mine = site.open_alert("checkout")
    other = site.open_alert("search")
    assert other.plan is not None
    crossed = site.token(mine, target_id=other.plan.levels[0].targets[0].id)

    response = site.client.post(f"/ack/{crossed}")

    assert response.status_code == 403
    assert "not issued for this alert" in response.text
    assert site.status(mine) is AlertStatus.OPEN
    assert site.status(other) is AlertStatus.OPEN


def test_a_link_of_a_resolved_alert_is_a_conflict(site: Site) -> None:
    alert = site.open_alert()
    site.h.healthy(alert.monitored_service_id)

    shown = site.client.get(f"/ack/{site.token(alert)}")
    response = site.client.post(f"/ack/{site.token(alert)}")

    assert shown.status_code == 200
    assert "nothing to acknowledge" in shown.text
    assert response.status_code == 409
    assert site.status(alert) is AlertStatus.RESOLVED


@pytest.mark.parametrize("token", ["not-a-token", "A" * 66])
def test_a_link_that_is_not_a_token_is_not_found(site: Site, token: str) -> None:
    response = site.client.get(f"/ack/{token}")

    assert response.status_code in (403, 404)
    assert "Nothing was changed" in response.text
