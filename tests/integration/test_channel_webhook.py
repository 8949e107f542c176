"""Webhook pages against a local HTTP receiver: the documented signature verifies, 5xx is
retried, other 4xx is not, and internal addresses are refused unless allowed."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pagerd.adapters.channels.guarded_transport import GuardedTransport
from pagerd.adapters.channels.network_guard import AddressPolicy, IPAddress
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.webhook import WebhookSender
from pagerd.adapters.channels.webhook_format import webhook_secret
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.testing.harness import PagingHarness, level

SECRET_KEY = b"webhook-test-secret"
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


@dataclass
class Receiver:
    """Records deliveries; `statuses` scripts the next answers (200 afterwards)."""

    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/pagerd"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.deliveries.append((dict(self.headers.items()), body))
            self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def _harness(
    allowed: list[ipaddress.IPv4Network] | None = None,
    resolver: dict[str, list[IPAddress]] | None = None,
) -> PagingHarness:
    h = PagingHarness(public_url="https://pagerd.example.com", secret_key=SECRET_KEY)
    policy = AddressPolicy(LOOPBACK if allowed is None else allowed)
    renderer = MessageRenderer()
    transport = None
    if resolver is not None:
        transport = GuardedTransport(policy, resolver=lambda host, port: resolver[host])
    h.senders[Channel.WEBHOOK] = WebhookSender(
        renderer, h.clock, webhook_secret(SECRET_KEY), policy, timeout=5, transport=transport
    )
    return h


def _page(h: PagingHarness, url: str) -> Notification:
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(url)])
    alert = h.alert(service.id, "HTTP 503 on /pay")
    h.run_workers()
    with h.uow:
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    return notification


def _documented_signature(secret: str, timestamp: str, body: bytes) -> str:
    # docs/channels.md: HMAC-SHA256 keyed by the webhook secret over "<timestamp>.<body>".
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def test_a_delivery_carries_the_event_its_delivery_id_and_a_verifiable_signature(
    receiver: Receiver,
) -> None:
    h = _harness()

    notification = _page(h, receiver.url)

    [(headers, body)] = receiver.deliveries
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Pagerd-Delivery"] == str(notification.id)
    assert headers["X-Pagerd-Timestamp"] == str(int(h.clock.now().timestamp()))
    secret = webhook_secret(SECRET_KEY)
    assert headers["X-Pagerd-Signature"] == _documented_signature(
        secret, headers["X-Pagerd-Timestamp"], body
    )
    payload = json.loads(body)
    assert payload["type"] == "alert.page"
    assert payload["delivery_id"] == str(notification.id)
    assert payload["alert_count"] == 1
    [alert] = payload["alerts"]
    assert alert["alert_id"] == str(notification.alert_id)
    assert alert["service_name"] == "checkout"
    assert alert["message"] == "HTTP 503 on /pay"
    assert (alert["level_id"], alert["pass"]) == (0, 0)
    assert alert["acknowledge_url"].startswith("https://pagerd.example.com/ack/")
    assert notification.status is NotificationStatus.SENT


def test_the_signature_does_not_verify_with_the_secret_key_itself(receiver: Receiver) -> None:
    h = _harness()
    _page(h, receiver.url)

    [(headers, body)] = receiver.deliveries
    wrong = _documented_signature(SECRET_KEY.decode(), headers["X-Pagerd-Timestamp"], body)
    assert headers["X-Pagerd-Signature"] != wrong


def test_a_server_error_is_retried_with_the_same_delivery_id(receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    h = _harness()

    notification = _page(h, receiver.url)
    assert notification.status is NotificationStatus.PENDING
    assert notification.last_error == "webhook answered 500 Internal Server Error"
    h.advance(5)
    h.advance(10)

    ids = {headers["X-Pagerd-Delivery"] for headers, _ in receiver.deliveries}
    assert len(receiver.deliveries) == 3
    assert ids == {str(notification.id)}
    with h.uow:
        final = h.uow.outbox.get(notification.id)
    assert final is not None
    assert final.status is NotificationStatus.SENT


def test_a_client_error_is_not_retried(receiver: Receiver) -> None:
    receiver.statuses = [400]
    h = _harness()

    notification = _page(h, receiver.url)
    h.advance(600)

    assert len(receiver.deliveries) == 1
    assert notification.status is NotificationStatus.FAILED
    assert notification.last_error == "webhook answered 400 Bad Request"


def test_a_loopback_target_is_refused_for_good_unless_allowed(receiver: Receiver) -> None:
    h = _harness(allowed=[])

    notification = _page(h, receiver.url)

    assert receiver.deliveries == []
    assert notification.status is NotificationStatus.FAILED
    assert "127.0.0.1 (loopback)" in (notification.last_error or "")
    assert "PAGERD_WEBHOOK_ALLOWED_NETWORKS" in (notification.last_error or "")


def test_a_name_is_checked_by_the_address_it_resolves_to_when_connecting(
    receiver: Receiver,
) -> None:
    rebinding = {"hooks.example.com": [ipaddress.ip_address("127.0.0.1")]}
    refused = _harness(allowed=[], resolver=rebinding)
    allowed = _harness(resolver=rebinding)
    url = f"http://hooks.example.com:{receiver.port}/hooks/pagerd"

    refused_page = _page(refused, url)
    allowed_page = _page(allowed, url)

    assert refused_page.status is NotificationStatus.FAILED
    assert "hooks.example.com resolves to 127.0.0.1 (loopback)" in (refused_page.last_error or "")
    assert allowed_page.status is NotificationStatus.SENT
    [(headers, _)] = receiver.deliveries
    assert headers["Host"] == f"hooks.example.com:{receiver.port}"


def test_a_receiver_that_is_down_is_a_transient_failure() -> None:
    h = _harness()

    notification = _page(h, "http://127.0.0.1:1/hook")

    assert notification.status is NotificationStatus.PENDING
    assert (notification.last_error or "").startswith("ConnectError")


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.statuses = [302]
    h = _harness()

    notification = _page(h, receiver.url)

    assert len(receiver.deliveries) == 1
    assert notification.status is NotificationStatus.FAILED
    assert "redirects are not followed" in (notification.last_error or "")
