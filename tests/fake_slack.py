"""A local Slack Web API for tests: `chat.postMessage` and `chat.update` as Slack speaks them.

Requests are JSON with `Authorization: Bearer <bot token>` (as `slack_sdk` sends them);
answers are Slack's: HTTP 200 with `{"ok": true, "channel", "ts", ...}`, or `{"ok": false,
"error"}`; HTTP 429 with `Retry-After` and `{"ok": false, "error": "ratelimited"}`. A post
to a member id lands in a direct message (`D...`), as Slack does. Scripted failures
(`fail_next`) answer the next calls; `delay` holds each accepted post before answering, so
that a kill can land mid-send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

BOT_TOKEN = "xoxb-test-token"
Answer = tuple[int, dict[str, Any], dict[str, str]]
SIGNING_SECRET = "slack-signing-secret-for-tests"


@dataclass
class Failure:
    """One scripted answer: an HTTP status, Slack's error code, and a Retry-After."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class FakeSlack:
    """What the fake received: `posts` and `updates` (the JSON bodies), in order."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    answered_429: int = 0
    delay: float = 0.0
    port: int = 0
    _ts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def api_base(self) -> str:
        """What PAGERD_SLACK_API_BASE names."""
        return f"http://127.0.0.1:{self.port}/api"

    def fail_next(self, status: int, error: str, retry_after: int | None = None) -> None:
        self.failures.append(Failure(status, error, retry_after))

    def start(self) -> FakeSlack:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(
        self, method: str, token: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            if token != f"Bearer {BOT_TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            if self.failures:
                failure = self.failures.pop(0)
                headers: dict[str, str] = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                if failure.status == 429:
                    self.answered_429 += 1
                return failure.status, {"ok": False, "error": failure.error}, headers
            if method == "chat.postMessage":
                self._ts += 1
                channel = str(body["channel"])
                if channel[0] in "UW":
                    channel = "D" + channel[1:]  # a direct message with the app
                ts = f"1700000000.{self._ts:06d}"
                arrived = time.monotonic()
                self.posts.append({**body, "_channel": channel, "_ts": ts, "_at": arrived})
                return 200, {"ok": True, "channel": channel, "ts": ts, "message": body}, {}
            if method == "chat.update":
                self.updates.append(body)
                return 200, {"ok": True, "channel": body["channel"], "ts": body["ts"]}, {}
            return 200, {"ok": False, "error": "unknown_method"}, {}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            method = self.path.removeprefix("/api/")
            body = json.loads(raw or b"{}")
            status, answer, headers = fake.answer(
                method, self.headers.get("Authorization", ""), body
            )
            if status == 200 and method == "chat.postMessage" and answer.get("ok"):
                time.sleep(fake.delay)  # the post is accepted; only the answer is late
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender was killed while waiting: the post was still accepted

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Slack's `X-Slack-Signature` for `body` sent at `timestamp`."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def click_body(member: str, alert_id: str, action: str = "pagerd_acknowledge") -> bytes:
    """A `block_actions` interaction as Slack POSTs it: `payload=<JSON>`, form-encoded."""
    payload = {
        "type": "block_actions",
        "user": {"id": member, "username": "someone", "team_id": "T0123"},
        "team": {"id": "T0123", "domain": "example"},
        "container": {"type": "message", "channel_id": "C0123ABCD", "message_ts": "1.1"},
        "actions": [
            {
                "type": "button",
                "action_id": action,
                "block_id": "pagerd_actions",
                "value": alert_id,
                "action_ts": "1700000000.1",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
