"""Users (`pagerd.service_layer.users`): creation rules and password checks."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.passwords import Argon2Hasher, default_hasher
from pagerd.service_layer.errors import InvalidFields
from pagerd.service_layer.users import (
    EmailTaken,
    NameTaken,
    check_password,
    create_user,
)
from pagerd.testing import FakeClock

CHEAP = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
PASSWORD = "a long enough password"


@pytest.fixture
def uow() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(InMemoryStore())


def test_a_user_is_stored_with_an_argon2id_hash_never_the_password(
    uow: InMemoryUnitOfWork,
) -> None:
    user = create_user(uow, FakeClock(), " alice ", PASSWORD, CHEAP)

    with uow:
        stored = uow.users.get_by_name("alice")
    assert stored is not None
    assert stored.id == user.id
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


@pytest.mark.parametrize(
    ("username", "password", "rule"),
    [
        ("", PASSWORD, "1 to 64 characters"),
        ("a" * 65, PASSWORD, "1 to 64 characters"),
        ("al\tice", PASSWORD, "letters, digits"),
        ("-alice", PASSWORD, "starts with a letter or a digit"),
        ("alice", "short", "at least 12 characters"),
        ("alice", "x" * 1025, "at most 1024 characters"),
    ],
)
def test_a_bad_name_or_password_is_refused_with_the_rule(
    uow: InMemoryUnitOfWork, username: str, password: str, rule: str
) -> None:
    with pytest.raises(InvalidFields) as refused:
        create_user(uow, FakeClock(), username, password, CHEAP)

    assert rule in " ".join(d.message for d in refused.value.details)
    with uow:
        assert uow.users.list(10) == []


def test_a_password_of_the_longest_allowed_length_can_be_set_and_checked(
    uow: InMemoryUnitOfWork,
) -> None:
    longest = "x" * 1024
    create_user(uow, FakeClock(), "alice", longest, CHEAP)

    assert check_password(uow, "alice", longest, CHEAP) is not None


def test_the_default_hasher_makes_argon2id_at_the_rfc_9106_low_memory_cost(
    uow: InMemoryUnitOfWork,
) -> None:
    create_user(uow, FakeClock(), "alice", PASSWORD, default_hasher())

    with uow:
        stored = uow.users.get_by_name("alice")
    assert stored is not None
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert check_password(uow, "alice", PASSWORD, default_hasher()) is not None


def test_a_password_without_a_hasher_is_refused_and_nothing_is_stored(
    uow: InMemoryUnitOfWork,
) -> None:
    with pytest.raises(TypeError, match="PasswordHasher"):
        create_user(uow, FakeClock(), "alice", PASSWORD)

    with uow:
        assert uow.users.get_by_name("alice") is None


def test_a_malformed_stored_hash_matches_no_password() -> None:
    assert CHEAP.verify("not-a-hash", PASSWORD) is False
    assert CHEAP.verify(CHEAP.hash(PASSWORD), PASSWORD) is True
    assert CHEAP.verify(CHEAP.hash(PASSWORD), PASSWORD + "x") is False


def test_a_name_is_taken_once(uow: InMemoryUnitOfWork) -> None:
    create_user(uow, FakeClock(), "alice", PASSWORD, CHEAP)

    with pytest.raises(NameTaken):
        create_user(uow, FakeClock(), "alice", "another long password", CHEAP)


def test_an_email_is_taken_once_whatever_its_case(uow: InMemoryUnitOfWork) -> None:
    create_user(uow, FakeClock(), "alice", email="Alice@Example.com")

    with pytest.raises(EmailTaken):
        create_user(uow, FakeClock(), "bob", email="alice@example.COM")


def test_the_right_password_finds_the_user_and_anything_else_finds_nobody(
    uow: InMemoryUnitOfWork,
) -> None:
    user = create_user(uow, FakeClock(), "alice", PASSWORD, CHEAP)

    found = check_password(uow, "alice", PASSWORD, CHEAP)

    assert found is not None
    assert found.id == user.id
    assert check_password(uow, "alice", PASSWORD + "x", CHEAP) is None
    assert check_password(uow, "bob", PASSWORD, CHEAP) is None
    assert check_password(uow, "alice", "x" * 5000, CHEAP) is None


def test_a_hash_with_old_parameters_is_upgraded_when_the_password_is_right(
    uow: InMemoryUnitOfWork,
) -> None:
    create_user(uow, FakeClock(), "alice", PASSWORD, CHEAP)
    stronger = Argon2Hasher(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))

    assert check_password(uow, "alice", PASSWORD, stronger) is not None

    with uow:
        stored = uow.users.get_by_name("alice")
    assert stored is not None
    assert stored.password_hash is not None
    assert "t=2" in stored.password_hash
    assert check_password(uow, "alice", PASSWORD, stronger) is not None
