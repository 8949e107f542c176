"""Webhook targets cannot reach loopback or private addresses unless the operator allows their
network (PAGERD_WEBHOOK_ALLOWED_NETWORKS). Pages go through the whole pipeline (API, outbox,
delivery) to a real receiver on 127.0.0.1, which must get nothing when refused."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pagerd.adapters.channels import build_senders
from pagerd.adapters.channels.network_guard import AddressPolicy, GuardedTransport, IPAddress
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.webhook import WebhookSender
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from tests.e2e.conftest import Api


class Receiver:
    """An HTTP server on 127.0.0.1 that counts the requests it gets."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                requests.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/pages"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    try:
        yield server
    finally:
        server.close()


def use_real_senders(api: Api, allowed_networks: str = "") -> None:
    settings = Settings(_env_file=None, webhook_allowed_networks=allowed_networks)
    api.senders = build_senders(
        settings, api.container.uow_factory, api.clock, "http://pagerd.test", b"key"
    )


def page_webhook(api: Api, url: str) -> list[dict[str, Any]]:
    """Open an alert paging `url`, run the workers; the alert's notifications."""
    service = api.create_service()
    api.put_policy(service["id"], [{"targets": [{"type": "webhook", "url": url}]}])
    alert = api.alert(service["id"])["alert"]
    api.run_workers()
    return list(api.get(f"/api/v1/alerts/{alert['id']}/notifications").json()["items"])


def test_a_webhook_to_loopback_is_refused_by_default(api: Api, receiver: Receiver) -> None:
    use_real_senders(api)

    notifications = page_webhook(api, receiver.url)

    assert receiver.requests == []
    assert [n["status"] for n in notifications] == ["failed"]
    assert "loopback" in notifications[0]["last_error"]
    assert "PAGERD_WEBHOOK_ALLOWED_NETWORKS" in notifications[0]["last_error"]


def test_an_allowed_network_lets_webhooks_reach_it(api: Api, receiver: Receiver) -> None:
    use_real_senders(api, allowed_networks="127.0.0.0/8")

    notifications = page_webhook(api, receiver.url)

    assert len(receiver.requests) == 1
    assert [n["status"] for n in notifications] == ["sent"]


def test_allowing_one_network_does_not_open_the_others(memory_api: Api, receiver: Receiver) -> None:
    use_real_senders(memory_api, allowed_networks="10.0.0.0/8")

    notifications = page_webhook(memory_api, receiver.url)

    assert receiver.requests == []
    assert [n["status"] for n in notifications] == ["failed"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "::1",
        "::ffff:127.0.0.1",
        "fd00::1",
        "fe80::1",
    ],
)
def test_a_host_name_resolving_to_an_internal_address_is_refused_before_connecting(
    memory_api: Api, receiver: Receiver, address: str
) -> None:
    # The name resolves (here, by a fake resolver) to an internal address; whatever it
    # resolves to, the connection would land on the receiver, which must see nothing.
    def resolve(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(address)]

    policy = AddressPolicy()
    renderer = MessageRenderer(AckLinks("http://pagerd.test", AckLinkSigner(b"key")))
    memory_api.senders = {
        **memory_api.senders,
        Channel.WEBHOOK: WebhookSender(
            renderer,
            memory_api.clock,
            "secret",
            policy,
            transport=GuardedTransport(policy, resolver=resolve),
        ),
    }
    url = f"http://hooks.example.com:{receiver.port}/pages"

    notifications = page_webhook(memory_api, url)

    assert receiver.requests == []
    assert [n["status"] for n in notifications] == ["failed"]
