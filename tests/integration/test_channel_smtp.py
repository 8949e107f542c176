"""E-mail pages delivered to a real SMTP server (aiosmtpd in a thread): STARTTLS with a
self-signed certificate, login, implicit TLS, and how failures are classified."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.smtp import SmtpConfig, SmtpEmailSender
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.alert import AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.notification import NotificationStatus
from pagerd.entrypoints.http import acknowledge_links
from pagerd.service_layer.paging import DeliveryOutcome, OutgoingPage
from pagerd.service_layer.ports import Clock
from pagerd.testing import RecordingSender, RecordingSignal
from pagerd.testing.harness import PagingHarness, level
from pagerd.testing.serve_process import free_port

SECRET = b"smtp-test-secret"
PUBLIC_URL = "https://pagerd.example.com"
USER, PASSWORD = "pagerd", "s3cret"


@dataclass
class Certificate:
    cert_file: Path
    key_file: Path
    pem: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.pem)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made for this test run."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    (folder / "cert.pem").write_text(pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(folder / "cert.pem", folder / "key.pem", pem)


@dataclass
class Inbox:
    """What the test SMTP server received; RCPT answers can be scripted per address."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 -- aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        reply = self.rcpt_replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 -- aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[tuple[Inbox, int]]:
    """A submission server that requires STARTTLS, then login."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _sender(port: int, certificate: Certificate, clock: Clock, **changes: Any) -> SmtpEmailSender:
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        username=USER,
        password=PASSWORD,
        starttls=True,
        from_address="pagerd@example.com",
        timeout=5,
        ssl_context=certificate.client_context(),
    )
    renderer = MessageRenderer()
    return SmtpEmailSender(replace(config, **changes), renderer, clock)


def _harness(port: int, certificate: Certificate, **changes: Any) -> PagingHarness:
    """pagerd on fakes, except that e-mail goes through SMTP to `port`."""
    h = PagingHarness(public_url=PUBLIC_URL, secret_key=SECRET)
    h.senders[Channel.EMAIL] = _sender(port, certificate, h.clock, **changes)
    return h


def test_a_page_arrives_over_starttls_with_login_both_parts_and_its_message_id(
    starttls_server: tuple[Inbox, int], certificate: Certificate
) -> None:
    inbox, port = starttls_server
    h = _harness(port, certificate)
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("alice@example.com")])
    alert = h.alert(service.id, "HTTP 503 on /pay")

    h.run_workers()

    assert inbox.logins == [USER]
    [(mail_from, rcpt_tos, message)] = inbox.messages
    assert mail_from == "pagerd@example.com"
    assert rcpt_tos == ["alice@example.com"]
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "[pagerd] CRITICAL checkout: HTTP 503 on /pay"
    with h.uow:
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    assert notification.status is NotificationStatus.SENT
    assert message["Message-ID"] == f"<{notification.id}@pagerd>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "HTTP 503 on /pay" in text.get_content()
    assert "HTTP 503 on /pay" in html.get_content()

    link = next(w for w in text.get_content().split() if w.startswith(f"{PUBLIC_URL}/ack/"))
    client = _ack_client(h)
    path = link.removeprefix(PUBLIC_URL)
    assert client.get(path).status_code == 200
    assert h.get_alert(alert.id).status is AlertStatus.OPEN
    assert client.post(path).status_code == 200
    assert h.get_alert(alert.id).status is AlertStatus.ACKNOWLEDGED
    assert h.get_alert(alert.id).acknowledged_by == "alice@example.com (link)"


def _ack_client(h: PagingHarness) -> TestClient:
    container = Container(
        settings=Settings(),
        uow_factory=lambda: h.uow,
        clock=h.clock,
        senders=h.senders,
        wakeup=RecordingSignal(),
        public_url=PUBLIC_URL,
        secret_key=SECRET,
    )
    app = FastAPI()
    app.include_router(acknowledge_links.build_router(container))
    return TestClient(app)


def test_a_page_arrives_over_implicit_tls(certificate: Certificate) -> None:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=certificate.server_context(),
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        h = _harness(port, certificate, implicit_tls=True)
        service = h.create_service("checkout")
        h.set_policy(service.id, [level("alice@example.com")])
        h.alert(service.id, "down")
        h.run_workers()
    finally:
        controller.stop()

    assert [rcpt for _, rcpt, _ in inbox.messages] == [["alice@example.com"]]


def test_an_untrusted_certificate_is_a_transient_failure(
    starttls_server: tuple[Inbox, int], certificate: Certificate
) -> None:
    inbox, port = starttls_server
    h = _harness(port, certificate, ssl_context=ssl.create_default_context())
    page = _one_page(h)

    result = h.senders[Channel.EMAIL].send(page)

    assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
    assert "CERTIFICATE_VERIFY_FAILED" in (result.error or "")
    assert inbox.messages == []


def _one_page(h: PagingHarness) -> OutgoingPage:
    """Route one e-mail page to a recording sender, to hand it to the sender under test."""
    real = h.senders[Channel.EMAIL]
    recorder = RecordingSender()
    h.senders[Channel.EMAIL] = recorder
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("alice@example.com")])
    h.alert(service.id, "down")
    h.run_workers()
    h.senders[Channel.EMAIL] = real
    return recorder.pages[0]


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ("550 5.1.1 No such user", DeliveryOutcome.PERMANENT_FAILURE),
        ("451 4.3.0 Try again later", DeliveryOutcome.TRANSIENT_FAILURE),
    ],
)
def test_a_refused_recipient_is_permanent_and_a_deferred_one_transient(
    starttls_server: tuple[Inbox, int],
    certificate: Certificate,
    reply: str,
    outcome: DeliveryOutcome,
) -> None:
    inbox, port = starttls_server
    inbox.rcpt_replies["alice@example.com"] = reply
    h = _harness(port, certificate)

    result = h.senders[Channel.EMAIL].send(_one_page(h))

    assert result.outcome is outcome
    assert reply.split()[0] in (result.error or "")
    assert inbox.messages == []


def test_a_refused_login_is_permanent(
    starttls_server: tuple[Inbox, int], certificate: Certificate
) -> None:
    _, port = starttls_server
    h = _harness(port, certificate, password="wrong")

    result = h.senders[Channel.EMAIL].send(_one_page(h))

    assert result.outcome is DeliveryOutcome.PERMANENT_FAILURE
    assert "535" in (result.error or "")


def test_a_server_that_refuses_connections_is_a_transient_failure(certificate: Certificate) -> None:
    h = _harness(free_port(), certificate)

    result = h.senders[Channel.EMAIL].send(_one_page(h))

    assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
    assert "refused" in (result.error or "").lower()
