"""A local stand-in for Twilio's Calls API, for tests: it checks what Twilio checks (the
path, HTTP basic auth with the account SID and auth token, a form body) and answers as
Twilio does (201 with the call's JSON, or Twilio's JSON error), keeping every call placed.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class FakeTwilioVoice:
    """The calls placed (`calls`, each its form), and the answers to give (`statuses`: the
    next HTTP statuses, 201 once they run out)."""

    account_sid: str
    auth_token: str
    calls: list[dict[str, str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_base(self) -> str:
        """What PAGERD_TWILIO_API_BASE would be."""
        return f"http://127.0.0.1:{self.port}"

    def answer(
        self, path: str, auth: str | None, content_type: str, body: bytes
    ) -> tuple[int, dict[str, object]]:
        """Twilio's answer to a POST."""
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Calls.json":
            return 404, {"code": 20404, "message": "The requested resource was not found"}
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if auth != expected:
            return 401, {"code": 20003, "message": "Authenticate"}
        if content_type != "application/x-www-form-urlencoded":
            return 415, {"code": 20415, "message": "Unsupported Media Type"}
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        if not (form.get("Twiml") or form.get("Url")) or not form.get("To"):
            return 400, {"code": 21205, "message": "Url or Twiml parameter is required."}
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else 201
            if status >= 300:
                return status, {"code": 20500, "message": "Scripted failure", "status": status}
            self.calls.append(form)
            sid = f"CA{len(self.calls):032x}"
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form.get("From"),
            "status": "queued",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
        }


def _handler(fake: FakeTwilioVoice) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = fake.answer(
                self.path,
                self.headers.get("Authorization"),
                self.headers.get("Content-Type", ""),
                body,
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@contextmanager
def running_fake_twilio_voice(account_sid: str, auth_token: str) -> Iterator[FakeTwilioVoice]:
    """A FakeTwilioVoice listening on a free loopback port while the block runs."""
    fake = FakeTwilioVoice(account_sid, auth_token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
