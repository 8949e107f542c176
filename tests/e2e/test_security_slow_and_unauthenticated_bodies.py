"""Bodies are read only after the credentials in headers or query were checked (item 3);
stalled clients are cut off: request headers and bodies have read timeouts, connections a
cap (item 4)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr

from pagerd.config import Settings
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.server import http_server_config
from tests.e2e.conftest import ADMIN_TOKEN, Api


def call_asgi(app: Any, path: str, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> Any:
    """POST to `app` with a body that is never sent; how the app answered, and whether it
    asked for the body at all."""
    sent: list[dict[str, Any]] = []
    asked = []

    async def receive() -> dict[str, Any]:
        asked.append(True)
        await asyncio.sleep(3600)  # a client that never sends its body
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("198.51.100.7", 4000),
        "server": ("testserver", 80),
        "state": {},
    }

    async def run() -> None:
        await asyncio.wait_for(app(scope, receive, send), timeout=5)

    asyncio.run(run())
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, bool(asked)


@pytest.mark.parametrize(
    ("path", "headers", "query"),
    [
        ("/api/v1/alerts", [(b"authorization", b"Bearer wrong")], b""),
        ("/api/v1/services", [], b""),
        ("/integrations/alertmanager", [], b"integration_key=wrong"),
        ("/integrations/alertmanager", [(b"authorization", b"Bearer wrong")], b""),
    ],
)
def test_a_request_without_valid_credentials_is_refused_before_its_body_is_read(
    memory_api: Api, path: str, headers: list[tuple[bytes, bytes]], query: bytes
) -> None:
    status, asked_for_body = call_asgi(memory_api.app, path, headers, query)

    assert status == 401
    assert asked_for_body is False


def test_a_stalled_body_is_answered_408_after_the_body_timeout(memory_api: Api) -> None:
    memory_api.container.settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN), _env_file=None, http_body_timeout_seconds=0.2
    )
    app = create_app(memory_api.container)
    bearer = (b"authorization", f"Bearer {memory_api.token}".encode())

    status, asked_for_body = call_asgi(app, "/api/v1/services", [bearer])

    assert (status, asked_for_body) == (408, True)


@pytest.fixture
def server(memory_api: Api) -> Iterator[int]:
    """The app under uvicorn as `pagerd serve` configures it, header timeout 0.5 s."""
    yield from serving(memory_api.app)


async def answer_without_reading_the_body(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app answering 204 at once, whatever the request's body."""
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def hasty_server() -> Iterator[int]:
    """`answer_without_reading_the_body` served as `server` serves pagerd. pagerd itself reads
    every body before answering, or answers with Connection: close (a 401 first)."""
    yield from serving(answer_without_reading_the_body)


def serving(app: Any) -> Iterator[int]:
    """Serve `app` under uvicorn as `pagerd serve` configures it, header timeout 0.5 s, on a
    socket bound here (no free port to guess, none another test could take meanwhile)."""
    settings = Settings(_env_file=None, http_header_timeout_seconds=0.5, http_max_connections=50)
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    config = http_server_config(app, settings, "127.0.0.1", port)
    config.log_level = "warning"
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.01)
    try:
        yield port
    finally:
        running.should_exit = True
        thread.join(5)
        listening.close()


def closed_within(connection: socket.socket, seconds: float) -> bool:
    """Whether the server closes `connection` within `seconds`, sending nothing more."""
    connection.settimeout(seconds)
    try:
        return connection.recv(1024) == b""
    except ConnectionResetError:  # closed with bytes the server never read
        return True
    except TimeoutError:
        return False


def trickle(connection: socket.socket, seconds: float) -> None:
    """Send a byte every 0.1 s for `seconds`, or until the server closes the connection."""
    until = time.monotonic() + seconds
    while time.monotonic() < until and not closed_within(connection, 0.1):
        try:
            connection.sendall(b" ")
        except OSError:  # closed meanwhile
            return


def read_response(connection: socket.socket) -> bytes:
    """One whole response (head and Content-Length body). uvicorn writes the head and the
    body separately, so a single recv may return the head alone; the body left unread
    would then be taken for the server's answer to what the client sends next."""
    connection.settimeout(5)
    received = b""
    while b"\r\n\r\n" not in received:
        received += _more(connection)
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += _more(connection)
    return head + b"\r\n\r\n" + body


def _more(connection: socket.socket) -> bytes:
    chunk = connection.recv(4096)
    assert chunk, "the server closed the connection mid-response"
    return chunk


def test_a_connection_whose_headers_stall_is_closed_after_the_header_timeout(
    server: int,
) -> None:
    with socket.create_connection(("127.0.0.1", server)) as stalled:
        stalled.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")

        assert closed_within(stalled, 3)


def test_a_keep_alive_connection_stalling_on_its_next_request_is_closed_too(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(connection).startswith(b"HTTP/1.1 200 ")
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHo")

        assert closed_within(connection, 3)


def test_a_stalled_request_pipelined_behind_a_complete_one_is_closed_too(server: int) -> None:
    # The second request's first bytes arrive while the first is being answered: uvicorn
    # holds them until the answer is complete, and the header timeout starts then.
    with socket.create_connection(("127.0.0.1", server)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHo")
        assert read_response(connection).startswith(b"HTTP/1.1 200 ")

        assert closed_within(connection, 3)


def test_a_connection_trickling_the_body_of_an_answered_request_is_closed_too(
    hasty_server: int,
) -> None:
    # Answered before its body was read: what the client still sends is no one's work,
    # and the header timeout runs from the answer, however often a byte comes.
    with socket.create_connection(("127.0.0.1", hasty_server)) as connection:
        connection.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        assert read_response(connection).startswith(b"HTTP/1.1 204 ")
        trickle(connection, 3)

        assert closed_within(connection, 0.1)


def test_a_prompt_client_is_served_normally(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        time.sleep(0.8)  # past the header timeout, but the request was complete

        assert b"200" in connection.recv(4096)


def test_the_server_caps_connections_and_believes_no_forwarded_header_itself() -> None:
    settings = Settings(_env_file=None, http_max_connections=123)

    config = http_server_config(object(), settings, "127.0.0.1", 8080)

    assert config.limit_concurrency == 123
    assert config.proxy_headers is False
