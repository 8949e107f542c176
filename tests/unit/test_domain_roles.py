"""Roles and actors (`pagerd.domain.roles`) and the rules of users' fields."""

from __future__ import annotations

from uuid import uuid4

import pytest

from pagerd.domain.accounts import email_problem, name_problem, time_zone_problem
from pagerd.domain.roles import ROLE_PERMISSIONS, Actor, Permission, Role

READ, RESPOND, OWN, CONFIGURE = (
    Permission.READ,
    Permission.RESPOND,
    Permission.EDIT_OWN_PROFILE,
    Permission.CONFIGURE,
)


@pytest.mark.parametrize(
    ("role", "granted"),
    [
        (Role.VIEWER, {READ}),
        (Role.RESPONDER, {READ, RESPOND, OWN}),
        (Role.ADMIN, {READ, RESPOND, OWN, CONFIGURE}),
    ],
)
def test_each_role_grants_exactly_its_permissions(role: Role, granted: set[Permission]) -> None:
    actor = Actor("someone", role, uuid4())

    assert {p for p in Permission if actor.can(p)} == granted
    assert ROLE_PERMISSIONS[role] == granted


def test_a_responder_may_edit_their_own_profile_only_and_an_admin_anyones() -> None:
    me, other = uuid4(), uuid4()

    assert Actor("r", Role.RESPONDER, me).may_edit_profile_of(me)
    assert not Actor("r", Role.RESPONDER, me).may_edit_profile_of(other)
    assert not Actor("v", Role.VIEWER, me).may_edit_profile_of(me)
    assert Actor("a", Role.ADMIN, me).may_edit_profile_of(other)
    assert Actor("admin token", Role.ADMIN).may_edit_profile_of(other)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Argentina/San_Luis"])
def test_iana_time_zone_names_are_accepted(zone: str) -> None:
    assert time_zone_problem(zone) is None


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "../../etc/passwd", "europe/paris", "+02:00"])
def test_anything_else_is_not_a_time_zone(zone: str) -> None:
    assert time_zone_problem(zone) is not None


@pytest.mark.parametrize("name", ["alice", "Ada Lovelace", "o'brien", "bob.smith@ops", "Zoë"])
def test_names_of_people_are_accepted(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["", " alice", "alice ", "a" * 65, "-x", "tab\there", "x\x00"])
def test_names_that_cannot_be_typed_or_shown_are_refused(name: str) -> None:
    assert name_problem(name) is not None


@pytest.mark.parametrize("email", ["a@b", "no-at.example.com", "a b@example.com", "@example.com"])
def test_things_that_are_not_email_addresses_are_refused(email: str) -> None:
    assert email_problem(email) is not None
