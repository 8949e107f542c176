"""Webhook targets cannot reach loopback or private addresses unless the operator allows their
network (PAGERD_WEBHOOK_ALLOWED_NETWORKS). Pages go through the whole pipeline (API, outbox,
delivery) to a real receiver on 127.0.0.1, which must get nothing when refused."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest

from pagerd.adapters.channels.guarded_transport import GuardedTransport
from pagerd.adapters.channels.network_guard import AddressPolicy, IPAddress
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.webhook import WebhookSender
from pagerd.bootstrap import channel_senders
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.domain.policy import LevelSpec, TargetSpec
from pagerd.service_layer.policies import put_policy
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
    api.senders = channel_senders(settings, api.clock, b"key")


def page_webhook(api: Api, url: str) -> list[dict[str, Any]]:
    """Open an alert paging `url`, run the workers; the alert's notifications.

    The policy is stored as if loopback had been allowed when it was saved (the API refuses
    a loopback URL otherwise): what is tested here is the guard at connect time."""
    service = api.create_service()
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    spec = LevelSpec([TargetSpec("webhook", url)])
    put_policy(api.container.uow_factory(), UUID(service["id"]), [spec], 0, loopback)
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
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::ffff:0:a9fe:a9fe",  # SIIT of 169.254.169.254
        "fec0::1",  # site-local
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
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
    renderer = MessageRenderer()
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


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:9000/hook",
        "http://api.localhost/hook",
        "https://hooks.example.com:99999/hook",
        "https://hooks.example.com:0/hook",
        "https://user:secret@hooks.example.com/hook",
        "https://token@hooks.example.com/hook",
    ],
)
def test_a_policy_with_a_webhook_that_can_never_be_reached_is_refused_when_saved(
    api: Api, url: str
) -> None:
    service = api.create_service()
    body = {"levels": [{"targets": [{"type": "webhook", "url": url}]}]}

    answer = api.put(f"/api/v1/services/{service['id']}/escalation-policy", body)

    assert answer.status_code == 422, answer.text
    fields = [d["field"] for d in answer.json()["error"]["details"]]
    assert fields == ["levels.0.targets.0.url"]
    assert api.get(f"/api/v1/services/{service['id']}/escalation-policy").status_code == 404
    assert "secret" not in answer.text


def test_a_loopback_webhook_is_accepted_when_its_network_is_allowed(memory_api: Api) -> None:
    memory_api.container.settings = Settings(_env_file=None, webhook_allowed_networks="127.0.0.0/8")
    service = memory_api.create_service()

    memory_api.put_policy(
        service["id"], [{"targets": [{"type": "webhook", "url": "http://127.0.0.1:8080/h"}]}]
    )
