"""The repositories' contract for users, console sessions and the audit log: in memory,
SQLite, PostgreSQL (`make_uow` runs each test on each backend)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from pagerd.domain.accounts import ApiToken, ConsoleSession, User
from pagerd.domain.audit import AuditEntry
from pagerd.domain.roles import Role
from pagerd.service_layer.errors import ConcurrencyConflict
from tests.integration.conftest import T0, UowFactory, at, commit_change


def person(name: str, email: str | None = None, role: Role = Role.RESPONDER, n: int = 0) -> User:
    return User(uuid4(), name, email, role, "Europe/Paris", at(n), False, "argon2-hash")


def test_users_are_found_by_name_and_email_changed_and_listed_oldest_first(
    make_uow: UowFactory,
) -> None:
    alice = person("alice", "alice@example.com", n=1)
    bob = User(uuid4(), "bob", None, Role.VIEWER, "UTC", at(2))
    commit_change(make_uow, lambda uow: uow.users.add(alice))
    commit_change(make_uow, lambda uow: uow.users.add(bob))
    alice.role, alice.disabled, alice.password_hash = Role.ADMIN, True, None
    commit_change(make_uow, lambda uow: uow.users.update(alice))

    with make_uow(None) as uow:
        assert uow.users.get_by_name("alice") == alice
        assert uow.users.get_by_email("alice@example.com") == alice
        assert uow.users.get_for_update(bob.id) == bob
        assert uow.users.list(10) == [alice, bob]
        assert uow.users.list(1, after=(alice.created_at, alice.id)) == [bob]
        assert uow.users.get_by_name("carol") is None


@pytest.mark.parametrize(
    "clash",
    [lambda: person("alice"), lambda: person("other", "alice@example.com")],
    ids=["name", "email"],
)
def test_names_and_emails_are_unique(make_uow: UowFactory, clash: object) -> None:
    commit_change(make_uow, lambda uow: uow.users.add(person("alice", "alice@example.com")))

    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.users.add(clash()))  # type: ignore[operator]


def test_many_users_may_have_no_email(make_uow: UowFactory) -> None:
    commit_change(make_uow, lambda uow: uow.users.add(person("a")))
    commit_change(make_uow, lambda uow: uow.users.add(person("b")))

    with make_uow(None) as uow:
        assert len(uow.users.list(10)) == 2


def test_only_enabled_admins_count_as_admins(make_uow: UowFactory) -> None:
    admin, off = person("a", role=Role.ADMIN), person("b", role=Role.ADMIN)
    off.disabled = True
    for user in (admin, off, person("c")):
        commit_change(make_uow, lambda uow, u=user: uow.users.add(u))  # type: ignore[misc]

    with make_uow(None) as uow:
        assert uow.users.count_enabled_admins() == 1


def test_deleting_a_user_deletes_their_tokens_and_sessions_but_no_one_elses(
    make_uow: UowFactory,
) -> None:
    alice, bob = person("alice"), person("bob")
    theirs = ApiToken(uuid4(), "alice's", "h1", T0, user_id=alice.id)
    nobodys = ApiToken(uuid4(), "ci", "h2", T0)
    bobs_session = ConsoleSession("s2", bob.id, T0, at(3600))
    with make_uow(None) as uow:
        uow.users.add(alice)
        uow.users.add(bob)
        uow.tokens.add(theirs)
        uow.tokens.add(nobodys)
        uow.sessions.add(ConsoleSession("s1", alice.id, T0, at(3600)))
        uow.sessions.add(bobs_session)
        uow.commit()

    commit_change(make_uow, lambda uow: uow.users.delete(alice.id))

    with make_uow(None) as uow:
        assert uow.users.get(alice.id) is None
        assert uow.tokens.list() == [nobodys]
        assert uow.sessions.get("s1") is None
        assert uow.sessions.get("s2") == bobs_session


def test_sessions_are_found_by_hash_and_ended_one_all_or_expired(make_uow: UowFactory) -> None:
    alice = person("alice")
    live = ConsoleSession("live", alice.id, at(100), at(3700))
    with make_uow(None) as uow:
        uow.users.add(alice)
        for session in (ConsoleSession("old", alice.id, T0, at(60)), live):
            uow.sessions.add(session)
        uow.commit()

    commit_change(make_uow, lambda uow: uow.sessions.delete_expired_for_user(alice.id, at(60)))
    with make_uow(None) as uow:
        assert uow.sessions.get("old") is None
        assert uow.sessions.get("live") == live
        uow.sessions.delete("live")
        uow.sessions.delete("never was")
        uow.commit()
    with make_uow(None) as uow:
        uow.sessions.add(ConsoleSession("a", alice.id, T0, at(60)))
        uow.sessions.add(ConsoleSession("b", alice.id, T0, at(60)))
        assert uow.sessions.delete_for_user(alice.id) == 2
        uow.commit()
    with make_uow(None) as uow:
        assert uow.sessions.get("a") is None


def test_the_database_refuses_a_session_of_an_unknown_user(make_uow: UowFactory) -> None:
    if type(make_uow(None)).__name__ == "InMemoryUnitOfWork":
        pytest.skip("the in-memory store keeps no foreign keys; the SQL schema does")
    orphan = ConsoleSession("x", uuid4(), T0, at(1))

    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.sessions.add(orphan))


def test_the_audit_log_keeps_its_entries_newest_first_with_their_json(
    make_uow: UowFactory,
) -> None:
    entries = [
        AuditEntry(uuid4(), at(n), None, "command line", "user.created", str(n), None, {"n": n})
        for n in range(3)
    ]
    nested = AuditEntry(
        uuid4(),
        at(10),
        uuid4(),
        "Zoë",
        "policy.updated",
        None,
        {"levels": [{"targets": [{"address": "a@example.com"}]}], "repeat": 0},
        {"levels": [], "repeat": 2, "ok": True, "none": None},
    )
    with make_uow(None) as uow:
        for entry in [*entries, nested]:
            uow.audit_log.add(entry)
        uow.commit()

    with make_uow(None) as uow:
        first = uow.audit_log.list(2)
        rest = uow.audit_log.list(10, after=(first[-1].created_at, first[-1].id))

    assert first == [nested, entries[2]]
    assert rest == [entries[1], entries[0]]
