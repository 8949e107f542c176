"""SMS pages through Twilio's Messages API, against a local HTTP server that checks what
Twilio checks: the path, basic auth and the form fields."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.twilio import TwilioConfig, TwilioSmsSender
from pagerd.domain.channels import Channel
from pagerd.domain.notification import NotificationStatus
from pagerd.testing.harness import PagingHarness, level

SID, TOKEN, FROM = "AC0123456789abcdef", "twilio-auth-token", "+15550001111"
PHONE = "+5492664295169"


@dataclass
class FakeTwilio:
    """Answers like Twilio's Messages API; `statuses` scripts the next answers."""

    requests: list[dict[str, str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    port: int = 0


def _handler(twilio: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
                return self._answer(404, b'{"code": 20404, "message": "not found"}')
            if self.headers["Authorization"] != expected_auth:
                return self._answer(401, b'{"code": 20003, "message": "Authenticate"}')
            if self.headers["Content-Type"] != "application/x-www-form-urlencoded":
                return self._answer(415, b"{}")
            twilio.requests.append(form)
            status = twilio.statuses.pop(0) if twilio.statuses else 201
            if status == 400:
                body = b'{"code": 21211, "message": "The \'To\' number is not valid."}'
                return self._answer(400, body)
            return self._answer(status, b'{"sid": "SM123", "status": "queued"}')

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _harness(twilio: FakeTwilio) -> PagingHarness:
    h = PagingHarness(public_url="https://pagerd.example.com", secret_key=b"k")
    config = TwilioConfig(SID, TOKEN, FROM, api_base=f"http://127.0.0.1:{twilio.port}", timeout=5)
    h.senders[Channel.SMS] = TwilioSmsSender(config, MessageRenderer(), h.clock)
    return h


def test_an_sms_page_is_posted_to_twilio_with_a_reply_code_bound_to_the_alert_and_phone(
    twilio: FakeTwilio,
) -> None:
    h = _harness(twilio)
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(PHONE)])
    alert = h.alert(service.id, "disk full")

    h.run_workers()

    [form] = twilio.requests
    assert (form["To"], form["From"]) == (PHONE, FROM)
    assert form["Body"].startswith("CRITICAL checkout: disk full\nReply ACK ")
    code = form["Body"].split("Reply ACK ")[1].split()[0]
    with h.uow:
        issued = h.uow.ack_codes.find(code, h.clock.now())
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    assert issued is not None
    assert (issued.alert_id, issued.address) == (alert.id, PHONE)
    assert notification.status is NotificationStatus.SENT


def test_a_twilio_outage_is_retried_with_the_same_code(twilio: FakeTwilio) -> None:
    twilio.statuses = [503, 429]
    h = _harness(twilio)
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(PHONE)])
    alert = h.alert(service.id, "disk full")

    h.run_workers()
    h.advance(5)
    h.advance(10)

    bodies = [form["Body"] for form in twilio.requests]
    assert len(bodies) == 3
    codes = {body.split("Reply ACK ")[1].split()[0] for body in bodies}
    assert len(codes) == 1
    with h.uow:
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    assert notification.status is NotificationStatus.SENT
    assert notification.attempts == 3


def test_a_number_twilio_refuses_fails_for_good_with_twilios_reason(twilio: FakeTwilio) -> None:
    twilio.statuses = [400]
    h = _harness(twilio)
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(PHONE)])
    alert = h.alert(service.id, "disk full")

    h.run_workers()
    h.advance(600)

    assert len(twilio.requests) == 1
    with h.uow:
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    assert notification.status is NotificationStatus.FAILED
    assert notification.last_error == (
        "Twilio answered 400: The 'To' number is not valid. (error 21211)"
    )


def test_twilio_unreachable_is_a_transient_failure() -> None:
    h = _harness(FakeTwilio(port=1))  # nothing listens on port 1
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(PHONE)])
    alert = h.alert(service.id, "disk full")

    h.run_workers()

    with h.uow:
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    assert notification.status is NotificationStatus.PENDING
    assert notification.attempts == 1
    assert (notification.last_error or "").startswith("Twilio unreachable: ConnectError")
