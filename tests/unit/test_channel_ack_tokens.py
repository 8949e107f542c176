"""Acknowledge tokens: signed, expiring, bound to one alert and one target; the secret key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.errors import AlertAlreadyResolved
from pagerd.service_layer.ack_tokens import (
    AckLinks,
    AckLinkSigner,
    InvalidAckToken,
    LinkNotForAlert,
    TokenProblem,
    acknowledge_by_link,
    derive_key,
    inspect_ack_link,
    load_or_create_secret_key,
)
from pagerd.service_layer.errors import NotFound
from pagerd.testing.harness import PagingHarness, level

NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SIGNER = AckLinkSigner(b"test-secret")


def _flip_a_bit(token: str, at: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[at] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_a_token_names_its_alert_and_target_until_it_expires() -> None:
    alert_id, target_id = uuid4(), uuid4()
    token = SIGNER.sign(alert_id, target_id, NOW + timedelta(hours=24))

    claim = SIGNER.verify(token, NOW + timedelta(hours=23, minutes=59))

    assert (claim.alert_id, claim.target_id) == (alert_id, target_id)
    assert claim.expires_at == NOW + timedelta(hours=24)
    assert len(token) == 66
    assert token.replace("-", "").replace("_", "").isalnum()  # URL-safe as is


def test_an_expired_token_is_refused() -> None:
    token = SIGNER.sign(uuid4(), uuid4(), NOW + timedelta(hours=1))

    with pytest.raises(InvalidAckToken) as refused:
        SIGNER.verify(token, NOW + timedelta(hours=1))
    assert refused.value.problem is TokenProblem.EXPIRED


@pytest.mark.parametrize(
    "byte", [1, 20, 35, 40, 48], ids=["alert", "target", "...", "expiry", "mac"]
)
def test_changing_any_byte_of_a_token_makes_it_tampered(byte: int) -> None:
    token = SIGNER.sign(uuid4(), uuid4(), NOW + timedelta(hours=1))

    with pytest.raises(InvalidAckToken) as refused:
        SIGNER.verify(_flip_a_bit(token, byte), NOW)
    assert refused.value.problem is TokenProblem.TAMPERED


def test_a_token_signed_with_another_key_is_tampered() -> None:
    token = AckLinkSigner(b"another-secret").sign(uuid4(), uuid4(), NOW + timedelta(hours=1))

    with pytest.raises(InvalidAckToken) as refused:
        SIGNER.verify(token, NOW)
    assert refused.value.problem is TokenProblem.TAMPERED


@pytest.mark.parametrize("token", ["", "abc", "!" * 66, "A" * 200, "é" * 66])
def test_garbage_is_malformed(token: str) -> None:
    with pytest.raises(InvalidAckToken) as refused:
        SIGNER.verify(token, NOW)
    assert refused.value.problem is TokenProblem.MALFORMED


def test_a_token_whose_length_no_base64_string_has_is_malformed() -> None:
    # 65 characters: one more than a multiple of 4, which the base64 decoder rejects.
    with pytest.raises(InvalidAckToken) as refused:
        SIGNER.verify("A" * 65, NOW)
    assert refused.value.problem is TokenProblem.MALFORMED


def test_a_genuinely_signed_token_of_another_version_is_malformed() -> None:
    # Built by hand to the documented layout, as a later pagerd with the same key might.
    body = struct.pack(
        ">B16s16sI", 2, uuid4().bytes, uuid4().bytes, int((NOW + timedelta(hours=1)).timestamp())
    )
    mac = hmac.new(derive_key(b"test-secret", "ack-link"), body, hashlib.sha256).digest()[:12]
    token = base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode()

    with pytest.raises(InvalidAckToken) as refused:
        SIGNER.verify(token, NOW)
    assert refused.value.problem is TokenProblem.MALFORMED


def test_a_link_is_a_token_under_the_public_url_valid_for_the_links_ttl() -> None:
    alert_id, target_id = uuid4(), uuid4()
    links = AckLinks("https://pagerd.example.com/", SIGNER, ttl=timedelta(hours=2))

    url = links.url(alert_id, target_id, NOW)

    prefix = "https://pagerd.example.com/ack/"
    assert url.startswith(prefix)
    claim = SIGNER.verify(url.removeprefix(prefix), NOW)
    assert (claim.alert_id, claim.target_id) == (alert_id, target_id)
    assert claim.expires_at == NOW + timedelta(hours=2)


def test_the_configured_secret_key_wins_and_nothing_is_stored() -> None:
    store = InMemoryStore()
    key = load_or_create_secret_key("from-the-environment", lambda: InMemoryUnitOfWork(store))

    assert key == b"from-the-environment"
    assert store.state.settings == {}


def test_without_a_configured_key_one_is_generated_once_and_kept() -> None:
    store = InMemoryStore()
    first = load_or_create_secret_key(None, lambda: InMemoryUnitOfWork(store))
    second = load_or_create_secret_key("", lambda: InMemoryUnitOfWork(store))

    assert first == second
    assert len(first) >= 32
    assert store.state.settings["secret_key"] == first.decode()


ONCALL, BACKUP, MANAGER = "oncall@example.com", "+15551230000", "manager@example.com"


def _open_alert(h: PagingHarness) -> Alert:
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(ONCALL, BACKUP), level(MANAGER)])
    return h.alert(service.id, "checkout is down")


def _link(h: PagingHarness, alert: Alert, target_id: UUID) -> str:
    return SIGNER.sign(alert.id, target_id, h.clock.now() + timedelta(hours=24))


def _target_id(alert: Alert, level_index: int, target_index: int) -> UUID:
    assert alert.plan is not None
    return alert.plan.levels[level_index].targets[target_index].id


def test_inspecting_a_link_shows_its_alert_service_and_target_and_changes_nothing() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    manager = _target_id(alert, 1, 0)

    view = inspect_ack_link(h.uow, h.clock, SIGNER, _link(h, alert, manager))

    assert view.alert.id == alert.id
    assert view.service_name == "checkout"
    assert view.target.id == manager
    assert view.target.address == MANAGER
    assert h.get_alert(alert.id).status is AlertStatus.OPEN


def test_following_a_link_acknowledges_as_its_target_and_again_changes_nothing() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    token = _link(h, alert, _target_id(alert, 0, 1))

    view = acknowledge_by_link(h.uow, h.clock, SIGNER, token)
    h.clock.advance(timedelta(minutes=5))
    again = acknowledge_by_link(h.uow, h.clock, SIGNER, token)

    assert view.alert.status is AlertStatus.ACKNOWLEDGED
    assert view.target.address == BACKUP
    stored = h.get_alert(alert.id)
    assert stored.acknowledged_by == f"{BACKUP} (link)"
    assert again.alert.acknowledged_at == view.alert.acknowledged_at == stored.acknowledged_at


def test_a_link_for_a_target_the_alert_does_not_have_is_refused_and_changes_nothing() -> None:
    h = PagingHarness()
    alert = _open_alert(h)

    with pytest.raises(LinkNotForAlert):
        acknowledge_by_link(h.uow, h.clock, SIGNER, _link(h, alert, uuid4()))
    assert h.get_alert(alert.id).status is AlertStatus.OPEN


def test_a_link_for_an_alert_opened_without_a_policy_is_refused() -> None:
    h = PagingHarness()
    alert = h.alert(h.create_service("checkout").id, "checkout is down")

    with pytest.raises(LinkNotForAlert):
        inspect_ack_link(h.uow, h.clock, SIGNER, _link(h, alert, uuid4()))


def test_a_link_for_an_alert_that_does_not_exist_is_not_found() -> None:
    h = PagingHarness()
    token = SIGNER.sign(uuid4(), uuid4(), h.clock.now() + timedelta(hours=24))

    with pytest.raises(NotFound):
        inspect_ack_link(h.uow, h.clock, SIGNER, token)


def test_an_expired_link_is_refused_before_anything_is_read() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    token = _link(h, alert, _target_id(alert, 0, 0))
    h.clock.advance(timedelta(hours=24))

    with pytest.raises(InvalidAckToken) as refused:
        acknowledge_by_link(h.uow, h.clock, SIGNER, token)
    assert refused.value.problem is TokenProblem.EXPIRED
    assert h.get_alert(alert.id).status is AlertStatus.OPEN


def test_following_a_link_of_a_resolved_alert_says_it_is_resolved() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    token = _link(h, alert, _target_id(alert, 0, 0))
    h.healthy(alert.monitored_service_id)

    with pytest.raises(AlertAlreadyResolved):
        acknowledge_by_link(h.uow, h.clock, SIGNER, token)
    assert h.get_alert(alert.id).status is AlertStatus.RESOLVED
