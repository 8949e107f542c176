"""Users in configuration files: applying declared users, and exporting the stored ones.

A declared user is matched by name. Their contact methods and notification rules are made
to match the file exactly (a method is identified by type, address and label; rules name
a method by its address). Users the file does not declare are left alone, and a user
created by a file has no password: it is paged, and signs in once given a password with the
command line. Passwords are never read from or written to a file. A user a file creates is
a responder in UTC; its role and time zone are then managed like any user's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID, uuid4

from pagerd.config_as_code.apply_change import Action, Change
from pagerd.config_as_code.errors import InvalidConfiguration, Problem
from pagerd.config_as_code.model import DeclaredContactMethod, DeclaredRule, DeclaredUser
from pagerd.domain.accounts import DEFAULT_TIME_ZONE, User
from pagerd.domain.people import ContactMethod, NotificationRule, build_contact_method
from pagerd.domain.roles import Role
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.users import every_user


def user_directory(uow: UnitOfWork) -> dict[str, UUID]:
    """Every user's id, by name."""
    return {user.name: user.id for user in every_user(uow)}


def converge_users(uow: UnitOfWork, clock: Clock, declared: Sequence[DeclaredUser]) -> list[Change]:
    """Create missing users and make each declared user's methods and rules match; return
    the changes, in order."""
    changes: list[Change] = []
    for wanted in declared:
        user = uow.users.get_by_name(wanted.name)
        if user is None:
            user = User(uuid4(), wanted.name, None, Role.RESPONDER, DEFAULT_TIME_ZONE, clock.now())
            uow.users.add(user)
            changes.append(Change(Action.CREATE, "user", wanted.name))
        changes.extend(_converge_methods(uow, clock, user, wanted))
    return changes


def _converge_methods(
    uow: UnitOfWork, clock: Clock, user: User, wanted: DeclaredUser
) -> list[Change]:
    methods = uow.contact_methods.list_for_users([user.id])[user.id]
    current = {_declared_method(m): m for m in methods}
    changes = []
    for key, method in current.items():
        if key not in wanted.contact_methods:
            uow.contact_methods.delete(method.id)
            changes.append(Change(Action.DELETE, "contact method", user.name, method.address))
    for key in wanted.contact_methods:
        if key not in current:
            method = build_contact_method(user.id, key.type, key.address, key.label, clock.now())
            uow.contact_methods.add(method)
            current[key] = method
            changes.append(Change(Action.CREATE, "contact method", user.name, key.address))
    by_address = {m.address: m.id for k, m in current.items() if k in wanted.contact_methods}
    rules = [
        NotificationRule.of_minutes(by_address[rule.address], rule.delay_minutes)
        for rule in wanted.notification_rules
    ]
    stored = uow.notification_rules.list_for_users([user.id])[user.id]
    rules_differ = sorted(map(_rule_key, stored)) != sorted(map(_rule_key, rules))
    if rules_differ or changes:  # a deleted method took its rules with it
        uow.notification_rules.replace_for_user(user.id, rules)
    if rules_differ:
        detail = f"{len(rules)} rule{'s' if len(rules) != 1 else ''}"
        changes.append(Change(Action.UPDATE, "notification rules", user.name, detail))
    return changes


def _rule_key(rule: NotificationRule) -> tuple[str, int]:
    return (str(rule.contact_method_id), rule.delay_minutes)


def _declared_method(method: ContactMethod) -> DeclaredContactMethod:
    return DeclaredContactMethod(method.channel.value, method.address, method.label)


def declared_users(uow: UnitOfWork) -> tuple[DeclaredUser, ...]:
    """Every stored user with their methods and rules, by name (stable diffs)."""
    users = sorted(every_user(uow), key=lambda u: u.name)
    ids = [u.id for u in users]
    methods = uow.contact_methods.list_for_users(ids)
    rules = uow.notification_rules.list_for_users(ids)
    declared = []
    for user in users:
        address = {m.id: m.address for m in methods[user.id]}
        declared.append(
            DeclaredUser(
                user.name,
                tuple(_declared_method(m) for m in methods[user.id]),
                tuple(
                    DeclaredRule(address[r.contact_method_id], r.delay_minutes)
                    for r in rules[user.id]
                    if r.contact_method_id in address
                ),
            )
        )
    return tuple(declared)


def unknown_users(names: set[str], known: Mapping[str, UUID], where: str) -> list[Problem]:
    """A problem for each user a policy names that neither exists nor is declared."""
    return [
        Problem(where, f"names user {name!r}, who does not exist and is not declared in users:")
        for name in sorted(names - set(known))
    ]


def refuse(problems: list[Problem]) -> None:
    """Raise InvalidConfiguration when there is any problem."""
    if problems:
        raise InvalidConfiguration(problems)
