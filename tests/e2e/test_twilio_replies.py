"""SMS pages out through Twilio's API, replies in through Twilio's webhook: a signed
`ACK <code>` from the paged phone acknowledges; a bad signature is 403 and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.twilio import TwilioConfig, TwilioSmsSender
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.entrypoints.http import twilio_replies
from pagerd.testing import RecordingSignal
from pagerd.testing.harness import PagingHarness, level

SID, TOKEN, FROM = "AC0123456789abcdef", "twilio-auth-token", "+15550001111"
PHONE = "+5492664295169"
PUBLIC_URL = "https://pagerd.example.com"
REPLY_URL = f"{PUBLIC_URL}/integrations/twilio/sms"


def signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    # Twilio's documented algorithm, written out independently of pagerd's.
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def sent_bodies() -> Iterator[tuple[list[str], int]]:
    """A stand-in for Twilio's Messages API that keeps each SMS body."""
    bodies: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            bodies.append(form["Body"][0])
            self.send_response(201)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield bodies, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class Phone:
    """pagerd on fakes, SMS through the local Twilio, replies through the webhook route."""

    def __init__(self, twilio_port: int, bodies: list[str], auth_token: str | None = TOKEN) -> None:
        self.h = PagingHarness(public_url=PUBLIC_URL, secret_key=b"k")
        self.bodies = bodies
        config = TwilioConfig(SID, TOKEN, FROM, api_base=f"http://127.0.0.1:{twilio_port}")
        self.h.senders[Channel.SMS] = TwilioSmsSender(config, MessageRenderer(), self.h.clock)
        container = Container(
            settings=Settings(twilio_auth_token=auth_token),
            uow_factory=lambda: self.h.uow,
            clock=self.h.clock,
            senders=self.h.senders,
            wakeup=RecordingSignal(),
            public_url=PUBLIC_URL,
            secret_key=b"k",
        )
        app = FastAPI()
        app.include_router(twilio_replies.build_router(container))
        self.client = TestClient(app)
        self.sent = 0

    def page(self, name: str = "checkout") -> tuple[Alert, str]:
        service = self.h.create_service(name)
        self.h.set_policy(service.id, [level(PHONE)])
        alert = self.h.alert(service.id, f"{name} is down")
        self.h.run_workers()
        return alert, self.bodies[-1].split("Reply ACK ")[1].split()[0]

    def reply(
        self, body: str, sender: str = PHONE, sign: str | None = None, sid: str | None = None
    ) -> Response:
        """Post a reply as Twilio would; each gets a MessageSid of its own unless `sid`."""
        self.sent += 1
        sid = sid or f"SM{self.sent}"
        params = {"MessageSid": sid, "AccountSid": SID, "From": sender, "To": FROM, "Body": body}
        headers = {"X-Twilio-Signature": sign or signature(REPLY_URL, params)}
        return self.client.post("/integrations/twilio/sms", data=params, headers=headers)


@pytest.fixture
def phone(sent_bodies: tuple[list[str], int]) -> Phone:
    bodies, port = sent_bodies
    return Phone(port, bodies)


def test_a_signed_ack_reply_from_the_paged_phone_acknowledges_the_alert(phone: Phone) -> None:
    alert, code = phone.page()

    response = phone.reply(f"ACK {code}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
        f"pagerd: acknowledged checkout ({PHONE} (SMS)).</Message></Response>"
    )
    assert phone.h.get_alert(alert.id).status is AlertStatus.ACKNOWLEDGED


def test_a_replayed_reply_is_not_handled_or_answered_again(phone: Phone) -> None:
    alert, code = phone.page()
    first = phone.reply(f"ACK {code}", sid="SMreplayed")
    timeline = len(phone.h.timeline(alert.id))

    again = phone.reply(f"ACK {code}", sid="SMreplayed")

    assert "acknowledged" in first.text
    assert again.status_code == 200
    assert again.text == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    assert len(phone.h.timeline(alert.id)) == timeline


def test_the_code_alone_is_enough(phone: Phone) -> None:
    alert, code = phone.page()

    assert phone.reply(code).status_code == 200
    assert phone.h.get_alert(alert.id).status is AlertStatus.ACKNOWLEDGED


@pytest.mark.parametrize("bad", ["", "bm90IGEgc2lnbmF0dXJl", "wrong-token"])
def test_a_reply_with_a_bad_signature_is_refused_and_changes_nothing(
    phone: Phone, bad: str
) -> None:
    alert, code = phone.page()
    params = {"From": PHONE, "Body": f"ACK {code}"}
    sign = signature(REPLY_URL, params, token="another-token") if bad == "wrong-token" else bad
    headers = {"X-Twilio-Signature": sign} if sign else {}

    response = phone.client.post("/integrations/twilio/sms", data=params, headers=headers)

    assert response.status_code == 403
    assert phone.h.get_alert(alert.id).status is AlertStatus.OPEN


def test_a_signature_for_another_body_is_refused(phone: Phone) -> None:
    alert, code = phone.page()
    signed_for_other = signature(
        REPLY_URL,
        {"MessageSid": "SM1", "AccountSid": SID, "From": PHONE, "To": FROM, "Body": "hello"},
    )

    response = phone.reply(f"ACK {code}", sign=signed_for_other)

    assert response.status_code == 403
    assert phone.h.get_alert(alert.id).status is AlertStatus.OPEN


def test_an_unknown_code_is_answered_in_twiml(phone: Phone) -> None:
    alert, code = phone.page()
    unknown = "9999" if code != "9999" else "8888"

    response = phone.reply(f"ACK {unknown}")

    assert response.status_code == 200
    assert f"code {unknown} is unknown or expired" in response.text
    assert phone.h.get_alert(alert.id).status is AlertStatus.OPEN


def test_a_code_replied_from_another_phone_does_not_acknowledge(phone: Phone) -> None:
    alert, code = phone.page()

    response = phone.reply(f"ACK {code}", sender="+15551230000")

    assert "is unknown or expired" in response.text
    assert phone.h.get_alert(alert.id).status is AlertStatus.OPEN


def test_without_a_twilio_auth_token_replies_are_refused(
    sent_bodies: tuple[list[str], int],
) -> None:
    bodies, port = sent_bodies
    phone = Phone(port, bodies, auth_token=None)
    alert, code = phone.page()

    assert phone.reply(f"ACK {code}").status_code == 403
    assert phone.h.get_alert(alert.id).status is AlertStatus.OPEN


def test_pagerds_signature_matches_twilios_published_example() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"

    assert twilio_replies.twilio_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
