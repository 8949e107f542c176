"""API tokens: the secret is shown once and stored hashed; revoked tokens open nothing."""

from __future__ import annotations

from uuid import uuid4

import pytest

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.tokens import (
    TOKEN_PREFIX,
    create_api_token,
    hash_token,
    is_admin_token,
    list_api_tokens,
    revoke_api_token,
    verify_api_token,
)
from pagerd.testing import FakeClock


@pytest.fixture
def uow() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(InMemoryStore())


def test_a_created_token_opens_the_api_and_only_its_hash_is_stored(uow: InMemoryUnitOfWork) -> None:
    token, secret = create_api_token(uow, FakeClock(), "  ci  ")

    assert secret.startswith(TOKEN_PREFIX)
    assert token.name == "ci"
    assert token.token_hash == hash_token(secret)
    assert secret not in repr(uow.store.state.tokens)
    assert verify_api_token(uow, secret) is True
    assert verify_api_token(uow, secret + "x") is False


def test_a_token_without_a_name_is_called_unnamed(uow: InMemoryUnitOfWork) -> None:
    token, _ = create_api_token(uow, FakeClock(), " ")

    assert token.name == "unnamed"


def test_a_revoked_token_no_longer_opens_the_api_and_revoking_again_changes_nothing(
    uow: InMemoryUnitOfWork,
) -> None:
    clock = FakeClock()
    token, secret = create_api_token(uow, clock, "ci")
    revoked_at = clock.advance(60)

    first = revoke_api_token(uow, clock, token.id)
    clock.advance(60)
    second = revoke_api_token(uow, clock, token.id)

    assert first.revoked_at == second.revoked_at == revoked_at
    assert not second.is_active
    assert verify_api_token(uow, secret) is False


def test_revoking_an_unknown_token_is_not_found(uow: InMemoryUnitOfWork) -> None:
    with pytest.raises(NotFound):
        revoke_api_token(uow, FakeClock(), uuid4())


def test_the_admin_token_opens_the_api_when_configured(uow: InMemoryUnitOfWork) -> None:
    assert is_admin_token("admin-secret", "admin-secret") is True
    assert is_admin_token("admin-secret", "other") is False
    assert is_admin_token("", None) is False
    assert is_admin_token("", "") is False
    assert verify_api_token(uow, "") is False


def test_tokens_are_listed_oldest_first_with_revoked_ones(uow: InMemoryUnitOfWork) -> None:
    clock = FakeClock()
    first, _ = create_api_token(uow, clock, "first")
    clock.advance(1)
    second, _ = create_api_token(uow, clock, "second")
    revoke_api_token(uow, clock, first.id)

    assert [(t.name, t.is_active) for t in list_api_tokens(uow)] == [
        ("first", False),
        ("second", True),
    ]
    assert second.is_active
