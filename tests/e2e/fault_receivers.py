"""Real channel endpoints for fault-injection tests: an SMTP server, a Twilio-like Messages
API and a webhook receiver, all on 127.0.0.1, all writing to one `Ledger`.

Each receiver can be taken down and brought back while a real `pagerd serve` keeps paging:
the SMTP server by closing its port (connections are refused), the HTTP ones by answering
503. A receiver records a message the moment it accepts it, before answering: a pagerd killed
while waiting for the answer has still paged someone, which is what a re-send after the kill
must be compared with.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from pagerd.testing.serve_process import free_port

TWILIO_SID, TWILIO_TOKEN, TWILIO_FROM = "AC00fault00injection", "fault-token", "+15550000000"
ACK_LINK = re.compile(r"https?://\S+/ack/\S+")


@dataclass(frozen=True)
class Delivery:
    """One message a receiver accepted.

    `key` identifies the page: the e-mail Message-ID, the webhook delivery id, and for SMS
    (Twilio's API takes no idempotency key) the text without its acknowledge links: the text
    names the alert and carries its reply code, which a re-send reuses, while each link is
    signed anew with a later expiry. `at` is `time.monotonic()` on arrival.
    """

    channel: str
    address: str
    key: str
    at: float


class Ledger:
    """Every accepted message, and how many attempts each receiver refused. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self.refused: Counter[str] = Counter()

    def accept(self, channel: str, address: str, key: str) -> None:
        with self._lock:
            self._deliveries.append(Delivery(channel, address, key, time.monotonic()))

    def refuse(self, channel: str) -> None:
        with self._lock:
            self.refused[channel] += 1

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def addresses(self) -> set[str]:
        return {d.address for d in self.deliveries()}


class SmtpReceiver:
    """aiosmtpd on a fixed port; `down()` closes the port, `up()` listens again."""

    def __init__(self, ledger: Ledger) -> None:
        self.port = free_port()
        self._ledger = ledger
        self._controller: Controller | None = None

    def up(self) -> None:
        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        headers = BytesHeaderParser().parsebytes(envelope.original_content)
        for recipient in envelope.rcpt_tos:
            self._ledger.accept("email", recipient, str(headers["Message-ID"]))
        return "250 OK"


class HttpReceiver:
    """An HTTP endpoint that pagerd POSTs pages to.

    `failing = True` answers 503 (pagerd retries); `delay` holds each accepted request that
    many seconds before answering, so that a kill can land mid-send. Subclasses say how to
    read a request (`parse`) and what to answer.
    """

    channel = ""
    success_status = 200
    success_body = b""

    def __init__(self, ledger: Ledger, delay: float = 0.0) -> None:
        self.failing = False
        self.delay = delay
        self._ledger = ledger
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def parse(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
        """(address, key) of the page in this request; header names are lower case."""
        raise NotImplementedError

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self.failing:
            self._ledger.refuse(self.channel)
            return 503, b'{"message": "unavailable"}'
        address, key = self.parse(path, headers, body)
        self._ledger.accept(self.channel, address, key)
        time.sleep(self.delay)  # the page is accepted; only the answer is late
        return self.success_status, self.success_body

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = receiver._handle(self.path, headers, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender was killed while waiting: the page was still accepted

            def log_message(self, format: str, *args: Any) -> None:
                return None  # tests read the ledger, not access logs

        return Handler


class WebhookReceiver(HttpReceiver):
    """Webhook targets under `{base_url}/hooks/...`; the key is X-Pagerd-Delivery."""

    channel = "webhook"

    def parse(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
        payload = json.loads(body)
        assert headers["x-pagerd-delivery"] == payload["delivery_id"]
        return f"{self.base_url}{path}", headers["x-pagerd-delivery"]


class TwilioReceiver(HttpReceiver):
    """Twilio's Messages API as pagerd calls it; the key is the SMS text."""

    channel = "sms"
    success_status = 201
    success_body = b'{"sid": "SM0", "status": "queued"}'

    def parse(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
        assert path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json", path
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        return form["To"], ACK_LINK.sub("<ack link>", form["Body"])


class ChannelRig:
    """The three receivers, and the PAGERD_* settings that point pagerd at them."""

    def __init__(self, answer_delay: float = 0.0) -> None:
        """`answer_delay`: seconds the webhook and Twilio receivers hold each answer."""
        self.ledger = Ledger()
        self.smtp = SmtpReceiver(self.ledger)
        self.webhook = WebhookReceiver(self.ledger, delay=answer_delay)
        self.twilio = TwilioReceiver(self.ledger, delay=answer_delay)
        self.smtp.up()

    def env(self) -> dict[str, str]:
        return {
            "PAGERD_SMTP_HOST": "127.0.0.1",
            "PAGERD_SMTP_PORT": str(self.smtp.port),
            "PAGERD_SMTP_STARTTLS": "false",
            "PAGERD_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "PAGERD_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "PAGERD_TWILIO_FROM": TWILIO_FROM,
            "PAGERD_TWILIO_API_BASE": self.twilio.base_url,
            "PAGERD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        }

    def close(self) -> None:
        self.smtp.down()
        self.webhook.close()
        self.twilio.close()
