"""Acknowledge tokens: signed, expiring, bound to one alert and one target; the secret key."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.config import Settings
from pagerd.service_layer.ack_tokens import (
    AckLinkSigner,
    InvalidAckToken,
    TokenProblem,
    load_or_create_secret_key,
)

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


def test_the_configured_secret_key_wins_and_nothing_is_stored() -> None:
    store = InMemoryStore()
    settings = Settings(secret_key="from-the-environment")

    key = load_or_create_secret_key(settings, lambda: InMemoryUnitOfWork(store))

    assert key == b"from-the-environment"
    assert store.state.settings == {}


def test_without_a_configured_key_one_is_generated_once_and_kept() -> None:
    store = InMemoryStore()
    settings = Settings(secret_key=None)

    first = load_or_create_secret_key(settings, lambda: InMemoryUnitOfWork(store))
    second = load_or_create_secret_key(settings, lambda: InMemoryUnitOfWork(store))

    assert first == second
    assert len(first) >= 32
    assert store.state.settings["secret_key"] == first.decode()
