"""Microsoft Teams pages against a local receiver: the Adaptive Card envelope POSTed as
JSON, the webhook's retry rules, and the same network guard as webhooks."""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pagerd.adapters.channels.network_guard import AddressPolicy
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.teams import TeamsSender
from pagerd.adapters.channels.teams_card import CARD_CONTENT_TYPE
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.policy import LevelSpec, TargetSpec
from pagerd.testing.harness import PagingHarness

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


@dataclass
class TeamsReceiver:
    """Answers like a Teams Workflows trigger (202 Accepted); `statuses` scripts answers."""

    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return (
            f"http://127.0.0.1:{self.port}/workflows/abc/triggers/manual/paths/invoke"
            "?api-version=1&sig=s3cr3t"
        )


@pytest.fixture
def teams() -> Iterator[TeamsReceiver]:
    found = TeamsReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.posts.append((dict(self.headers.items()), body))
            self.send_response(found.statuses.pop(0) if found.statuses else 202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def _harness(allowed: list[ipaddress.IPv4Network] | None = None) -> PagingHarness:
    h = PagingHarness(public_url="https://pagerd.example.com")
    renderer = MessageRenderer()
    policy = AddressPolicy(LOOPBACK if allowed is None else allowed)
    h.senders[Channel.TEAMS] = TeamsSender(renderer, h.clock, policy, timeout=5)
    return h


def _page(h: PagingHarness, url: str) -> Notification:
    service = h.create_service("checkout")
    h.set_policy(service.id, [LevelSpec(targets=[TargetSpec("teams", url)])])
    alert = h.alert(service.id, "HTTP 503 on /pay")
    h.run_workers()
    with h.uow:
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    return notification


def test_a_teams_page_posts_an_adaptive_card_to_the_workflow_url(teams: TeamsReceiver) -> None:
    h = _harness()

    notification = _page(h, teams.url)

    assert notification.status is NotificationStatus.SENT
    [(headers, body)] = teams.posts
    assert headers["Content-Type"] == "application/json"
    message: dict[str, Any] = json.loads(body)
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    text = json.dumps(attachment["content"])
    assert "CRITICAL checkout" in text
    assert "HTTP 503 on /pay" in text
    assert "https://pagerd.example.com/ack/" in text


def test_a_teams_outage_is_retried_like_a_webhook_and_a_refusal_is_not(
    teams: TeamsReceiver,
) -> None:
    teams.statuses = [503, 429]
    h = _harness()
    notification = _page(h, teams.url)
    assert notification.status is NotificationStatus.PENDING
    h.advance(5)
    h.advance(10)
    with h.uow:
        retried = h.uow.outbox.get(notification.id)
    assert retried is not None
    assert retried.status is NotificationStatus.SENT
    assert retried.attempts == 3

    teams.statuses = [400]
    refused = _page(_harness(), teams.url)
    assert refused.status is NotificationStatus.FAILED
    assert refused.last_error == "webhook answered 400 Bad Request"


def test_a_loopback_teams_url_is_refused_for_good_unless_allowed(teams: TeamsReceiver) -> None:
    notification = _page(_harness(allowed=[]), teams.url)

    assert notification.status is NotificationStatus.FAILED
    assert "127.0.0.1" in (notification.last_error or "")
    assert teams.posts == []
