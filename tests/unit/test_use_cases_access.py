"""Managing users, their sessions and tokens, on fakes: who may change what, what ends
sessions, what keeps pagerd administrable, and the audit entries each change writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from argon2 import PasswordHasher

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.passwords import Argon2Hasher
from pagerd.domain.accounts import User
from pagerd.domain.roles import Actor, Role
from pagerd.service_layer.errors import Forbidden, NotFound
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.sessions import end_session, signed_in_user, start_session
from pagerd.service_layer.tokens import create_api_token, token_actor
from pagerd.service_layer.user_changes import (
    LastAdmin,
    UserChanges,
    UserInUse,
    delete_user,
    set_disabled,
    set_password,
    set_role,
    update_user,
)
from pagerd.service_layer.user_references import UserReference
from pagerd.service_layer.users import check_password, create_user
from pagerd.testing import FakeClock

CHEAP = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
PASSWORD = "a long enough password"
HOUR = timedelta(hours=1)


class People:
    """A store with an admin (`root`) and helpers to add people."""

    def __init__(self) -> None:
        self.uow = InMemoryUnitOfWork(InMemoryStore())
        self.clock = FakeClock()
        self.root = self.add("root", Role.ADMIN)

    def add(self, name: str, role: Role, password: str | None = PASSWORD) -> User:
        self.clock.advance(1)  # entries of the audit log are then in a known order
        return create_user(self.uow, self.clock, name, password, CHEAP, role=role)

    def actions(self) -> list[str]:
        with self.uow:
            return [e.action for e in reversed(self.uow.audit_log.list(100))]

    def session_of(self, user: User) -> str:
        return start_session(self.uow, self.clock, user, HOUR)


@pytest.fixture
def people() -> People:
    return People()


def test_a_user_made_without_a_password_is_paged_but_cannot_sign_in(people: People) -> None:
    ada = create_user(people.uow, people.clock, "ada", email="ada@example.com")

    assert ada.is_pageable
    assert ada.role is Role.RESPONDER
    assert check_password(people.uow, "ada", "", CHEAP) is None


def test_a_disabled_user_cannot_sign_in_even_with_the_right_password_and_is_not_pageable(
    people: People,
) -> None:
    bob = people.add("bob", Role.RESPONDER)

    disabled = set_disabled(people.uow, people.clock, bob.id, True)

    assert not disabled.is_pageable
    assert check_password(people.uow, "bob", PASSWORD, CHEAP) is None
    set_disabled(people.uow, people.clock, bob.id, False)
    assert check_password(people.uow, "bob", PASSWORD, CHEAP) is not None


def test_a_session_signs_its_user_in_until_it_expires(people: People) -> None:
    secret = people.session_of(people.root)

    found = signed_in_user(people.uow, people.clock, secret)
    people.clock.advance(HOUR)

    assert found is not None
    assert found.id == people.root.id
    assert signed_in_user(people.uow, people.clock, secret) is None
    assert signed_in_user(people.uow, people.clock, secret + "x") is None


def test_signing_out_ends_only_that_session(people: People) -> None:
    first, second = people.session_of(people.root), people.session_of(people.root)

    end_session(people.uow, first)

    assert signed_in_user(people.uow, people.clock, first) is None
    assert signed_in_user(people.uow, people.clock, second) is not None


def test_disabling_a_user_ends_their_sessions_for_good(people: People) -> None:
    bob = people.add("bob", Role.RESPONDER)
    secret = people.session_of(bob)

    set_disabled(people.uow, people.clock, bob.id, True)
    set_disabled(people.uow, people.clock, bob.id, False)

    assert signed_in_user(people.uow, people.clock, secret) is None


def test_a_new_password_ends_every_session_of_the_user_only(people: People) -> None:
    bob = people.add("bob", Role.RESPONDER)
    bobs, roots = people.session_of(bob), people.session_of(people.root)

    set_password(people.uow, people.clock, bob.id, "another long password", hasher=CHEAP)

    assert signed_in_user(people.uow, people.clock, bobs) is None
    assert signed_in_user(people.uow, people.clock, roots) is not None
    assert check_password(people.uow, "bob", "another long password", CHEAP) is not None


def test_deleting_a_user_deletes_their_sessions_and_tokens(people: People) -> None:
    bob = people.add("bob", Role.RESPONDER)
    secret = people.session_of(bob)
    _, token = create_api_token(people.uow, people.clock, "bob's", bob.id)

    delete_user(people.uow, people.clock, bob.id)

    assert signed_in_user(people.uow, people.clock, secret) is None
    assert token_actor(people.uow, token) is None
    assert people.uow.store.state.tokens == {}


def test_a_token_acts_as_its_user_with_the_role_they_have_now(people: People) -> None:
    bob = people.add("bob", Role.RESPONDER)
    _, token = create_api_token(people.uow, people.clock, "bob's", bob.id)

    before = token_actor(people.uow, token)
    set_role(people.uow, people.clock, bob.id, Role.VIEWER)
    after = token_actor(people.uow, token)
    set_disabled(people.uow, people.clock, bob.id, True)

    assert before == Actor("bob", Role.RESPONDER, bob.id)
    assert after == Actor("bob", Role.VIEWER, bob.id)
    assert token_actor(people.uow, token) is None


def test_a_token_of_nobody_acts_as_an_admin(people: People) -> None:
    _, token = create_api_token(people.uow, people.clock, "ci")

    assert token_actor(people.uow, token) == Actor("token ci", Role.ADMIN)


def test_a_token_for_an_unknown_user_is_not_created(people: People) -> None:
    with pytest.raises(NotFound):
        create_api_token(people.uow, people.clock, "ghost's", uuid4())


@pytest.mark.parametrize(
    "change",
    [
        lambda p: set_disabled(p.uow, p.clock, p.root.id, True),
        lambda p: set_role(p.uow, p.clock, p.root.id, Role.RESPONDER),
        lambda p: delete_user(p.uow, p.clock, p.root.id),
    ],
    ids=["disable", "demote", "delete"],
)
def test_the_last_enabled_admin_cannot_be_disabled_demoted_or_deleted(
    people: People, change: object
) -> None:
    with pytest.raises(LastAdmin):
        change(people)  # type: ignore[operator]

    people.add("second", Role.ADMIN)
    change(people)  # type: ignore[operator]


def test_a_responder_changes_their_own_profile_but_not_their_role_or_anyone_else(
    people: People,
) -> None:
    bob = people.add("bob", Role.RESPONDER)
    as_bob = bob.as_actor()

    changed = update_user(
        people.uow, people.clock, bob.id, UserChanges(time_zone="Europe/Paris"), as_bob
    )

    assert changed.time_zone == "Europe/Paris"
    with pytest.raises(Forbidden):
        update_user(people.uow, people.clock, bob.id, UserChanges(role=Role.ADMIN), as_bob)
    with pytest.raises(Forbidden):
        update_user(people.uow, people.clock, people.root.id, UserChanges(name="x"), as_bob)
    with pytest.raises(Forbidden):
        set_password(people.uow, people.clock, people.root.id, PASSWORD, as_bob, CHEAP)


def test_viewers_and_responders_cannot_create_or_delete_users(people: People) -> None:
    for role in (Role.VIEWER, Role.RESPONDER):
        actor = people.add(f"a-{role.value}", role).as_actor()
        with pytest.raises(Forbidden, match="ask an admin"):
            create_user(people.uow, people.clock, "eve", actor=actor)
        with pytest.raises(Forbidden):
            delete_user(people.uow, people.clock, people.root.id, actor)


def _finder(found: Sequence[UserReference]) -> object:
    def find(uow: UnitOfWork, user_id: UUID) -> Sequence[UserReference]:
        return found

    return find


def test_deleting_a_user_something_still_needs_is_refused_naming_every_reference(
    people: People,
) -> None:
    bob = people.add("bob", Role.RESPONDER)
    rotation = UserReference("rotation", uuid4(), "primary")
    policy = UserReference("escalation policy", uuid4(), "checkout")
    finders = [_finder([rotation]), _finder([]), _finder([policy])]

    with pytest.raises(UserInUse) as refused:
        delete_user(people.uow, people.clock, bob.id, finders=finders)  # type: ignore[arg-type]

    assert 'rotation "primary"' in str(refused.value)
    assert 'escalation policy "checkout"' in str(refused.value)
    with people.uow:
        assert people.uow.users.get(bob.id) is not None
    assert people.actions() == ["user.created", "user.created"]


def test_each_change_of_a_user_is_audited_with_who_before_and_after_and_no_secret(
    people: People,
) -> None:
    admin, clock = people.root.as_actor(), people.clock
    clock.advance(1)  # after root's own entry, whose order by id would be a coin toss
    bob = create_user(people.uow, clock, "bob", PASSWORD, CHEAP, actor=admin)
    clock.advance(1)
    set_role(people.uow, clock, bob.id, Role.VIEWER, admin)
    clock.advance(1)
    set_password(people.uow, clock, bob.id, "another long password", admin, CHEAP)
    clock.advance(1)
    delete_user(people.uow, clock, bob.id, admin)

    with people.uow:
        entries = list(reversed(people.uow.audit_log.list(100)))[1:]

    assert [e.action for e in entries] == [
        "user.created",
        "user.updated",
        "user.password_set",
        "user.deleted",
    ]
    assert all(e.actor_id == people.root.id and e.actor_name == "root" for e in entries)
    assert all(e.subject_id == str(bob.id) for e in entries)
    created, updated, _, deleted = entries
    assert created.before is None
    assert created.after is not None
    assert created.after["has_password"] is True
    assert updated.before is not None
    assert updated.after is not None
    assert (updated.before["role"], updated.after["role"]) == ("responder", "viewer")
    assert deleted.after is None
    assert deleted.before is not None
    assert "argon2" not in repr(entries)


def test_a_change_that_changes_nothing_writes_no_audit_entry(people: People) -> None:
    set_role(people.uow, people.clock, people.root.id, Role.ADMIN)

    assert people.actions() == ["user.created"]
