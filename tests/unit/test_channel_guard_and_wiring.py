"""Which addresses webhooks may reach, how answers are classified, and which sender each
channel gets from the configuration (the dev outbox when a channel is not configured)."""

from __future__ import annotations

import ipaddress
import smtplib
from uuid import UUID

import httpx
import pytest

from pagerd.adapters.channels import (
    DevOutboxSender,
    SmtpEmailSender,
    TwilioSmsSender,
    WebhookSender,
)
from pagerd.adapters.channels.guarded_post import classify_webhook_response
from pagerd.adapters.channels.guarded_transport import GuardedBackend
from pagerd.adapters.channels.network_guard import AddressPolicy, ForbiddenAddress
from pagerd.adapters.channels.smtp import classify_smtp_error
from pagerd.adapters.channels.twilio import classify_twilio_response
from pagerd.bootstrap import channel_senders, smtp_config
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryOutcome
from pagerd.testing.harness import PagingHarness, level

T, P, D = (
    DeliveryOutcome.TRANSIENT_FAILURE,
    DeliveryOutcome.PERMANENT_FAILURE,
    DeliveryOutcome.DELIVERED,
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::",
    ],
)
def test_internal_addresses_are_refused_by_default(address: str) -> None:
    assert not AddressPolicy().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888"])
def test_public_addresses_are_permitted(address: str) -> None:
    assert AddressPolicy().permits(ipaddress.ip_address(address))


def test_allowed_networks_open_internal_ranges_including_their_mapped_forms() -> None:
    policy = AddressPolicy([ipaddress.ip_network("10.0.0.0/8")])

    assert policy.permits(ipaddress.ip_address("10.9.8.7"))
    assert policy.permits(ipaddress.ip_address("::ffff:10.9.8.7"))
    assert not policy.permits(ipaddress.ip_address("192.168.1.1"))


def test_the_guard_refuses_before_connecting_when_every_resolved_address_is_internal() -> None:
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        asked.append((host, port))
        return [ipaddress.ip_address("169.254.169.254")]

    backend = GuardedBackend(AddressPolicy(), resolver)

    with pytest.raises(ForbiddenAddress, match=r"169\.254\.169\.254 \(link-local\)"):
        backend.connect_tcp("metadata.example.com", 80, timeout=1)
    assert asked == [("metadata.example.com", 80)]


def _response(status: int, body: bytes = b"") -> httpx.Response:
    return httpx.Response(status, content=body)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, D),
        (201, D),
        (204, D),
        (301, P),
        (400, P),
        (401, P),
        (404, P),
        (408, T),
        (410, P),
        (429, T),
        (500, T),
        (502, T),
        (503, T),
    ],
)
def test_webhook_answers_are_classified(status: int, outcome: DeliveryOutcome) -> None:
    assert classify_webhook_response(_response(status)).outcome is outcome


@pytest.mark.parametrize(
    ("status", "outcome"), [(201, D), (400, P), (401, P), (404, P), (429, T), (500, T), (503, T)]
)
def test_twilio_answers_are_classified(status: int, outcome: DeliveryOutcome) -> None:
    assert classify_twilio_response(_response(status, b'{"message": "x"}')).outcome is outcome


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (ConnectionRefusedError(111, "Connection refused"), T),
        (TimeoutError(), T),
        (smtplib.SMTPServerDisconnected("gone"), T),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), P),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (452, b"mailbox full")}), T),
        (smtplib.SMTPSenderRefused(553, b"sender refused", "pagerd@localhost"), P),
        (smtplib.SMTPDataError(451, b"local error"), T),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), P),
        (smtplib.SMTPConnectError(421, b"too busy"), T),
        (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."), P),
    ],
)
def test_smtp_failures_are_classified(error: Exception, outcome: DeliveryOutcome) -> None:
    assert classify_smtp_error(error).outcome is outcome


def _senders(h: PagingHarness, **settings: object) -> dict[Channel, object]:
    configured = Settings(**settings)  # type: ignore[arg-type]
    return dict(channel_senders(configured, h.clock, b"k"))


def test_with_nothing_configured_email_and_sms_go_to_the_dev_outbox_with_their_full_text() -> None:
    h = PagingHarness(public_url="https://p.example")
    h.senders.update(_senders(h))  # type: ignore[arg-type]
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("alice@example.com", "+5492664295169")])
    alert = h.alert(service.id, "disk full")

    h.run_workers()

    assert isinstance(h.senders[Channel.EMAIL], DevOutboxSender)
    assert isinstance(h.senders[Channel.WEBHOOK], WebhookSender)
    with h.uow:
        messages = {m.channel: m for m in h.uow.dev_outbox.list(10)}
        [code] = [c for c in h.store.state.ack_codes if c.alert_id == alert.id]
        notifications = h.uow.outbox.list_for_alert(alert.id)
    email, sms = messages[Channel.EMAIL], messages[Channel.SMS]
    assert email.subject == "[pagerd] CRITICAL checkout: disk full"
    assert "https://p.example/ack/" in email.body
    assert email.address == "alice@example.com"
    assert sms.body.startswith(
        f"CRITICAL checkout: disk full\nReply ACK {code.code} or https://p.example/ack/"
    )
    assert {m.idempotency_key for m in messages.values()} == {n.id for n in notifications}
    assert isinstance(email.idempotency_key, UUID)


def test_configured_channels_get_their_real_senders() -> None:
    h = PagingHarness()

    senders = _senders(
        h,
        smtp_host="smtp.example.com",
        smtp_port=465,
        twilio_account_sid="AC1",
        twilio_auth_token="t",
        twilio_from="+15550001111",
    )

    assert isinstance(senders[Channel.EMAIL], SmtpEmailSender)
    assert isinstance(senders[Channel.SMS], TwilioSmsSender)


def test_smtp_settings_choose_the_port_and_tls_mode() -> None:
    implicit = smtp_config(Settings(smtp_host="mx", smtp_port=465))
    submission = smtp_config(Settings(smtp_host="mx"))
    plain = smtp_config(Settings(smtp_host="mx", smtp_starttls=False))

    assert implicit is not None
    assert submission is not None
    assert plain is not None
    assert (implicit.port, implicit.uses_implicit_tls) == (465, True)
    assert (submission.port, submission.uses_implicit_tls, submission.starttls) == (
        587,
        False,
        True,
    )
    assert (plain.port, plain.starttls) == (25, False)
