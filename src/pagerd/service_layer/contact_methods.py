"""Use cases of a user's contact methods and notification rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pagerd.domain.errors import FieldError, InvalidRequest
from pagerd.domain.people import (
    MAX_CONTACT_METHODS,
    ContactMethod,
    NotificationRule,
    RuleSpec,
    build_contact_method,
    build_rules,
)
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict


@dataclass(frozen=True)
class Profile:
    """How a user is reached: their contact methods (oldest first) and rules (by delay)."""

    user_id: UUID
    contact_methods: list[ContactMethod]
    rules: list[NotificationRule]


def _require_user(uow: UnitOfWork, user_id: UUID) -> None:
    if uow.users.get(user_id) is None:
        raise NotFound("user", user_id)


def _methods_of(uow: UnitOfWork, user_id: UUID) -> list[ContactMethod]:
    return uow.contact_methods.list_for_users([user_id])[user_id]


@retry_on_conflict
def add_contact_method(
    uow: UnitOfWork,
    clock: Clock,
    user_id: UUID,
    type_: str,
    address: str,
    label: str | None = None,
) -> ContactMethod:
    """Validate and store a contact method; InvalidRequest names every bad field."""
    method = build_contact_method(user_id, type_, address, label, clock.now())
    with uow:
        _require_user(uow, user_id)
        if len(_methods_of(uow, user_id)) >= MAX_CONTACT_METHODS:
            limit = MAX_CONTACT_METHODS
            raise InvalidRequest([FieldError("type", f"a user has at most {limit} methods")])
        uow.contact_methods.add(method)
        uow.commit()
    return method


def get_profile(uow: UnitOfWork, user_id: UUID) -> Profile:
    """The user's contact methods and notification rules; NotFound for an unknown user."""
    with uow:
        _require_user(uow, user_id)
        rules = uow.notification_rules.list_for_users([user_id])[user_id]
        return Profile(user_id, _methods_of(uow, user_id), rules)


@retry_on_conflict
def delete_contact_method(uow: UnitOfWork, user_id: UUID, method_id: UUID) -> None:
    """Delete one of the user's methods, its rules and its pending rule timers.

    When the rules left have no immediate one, they are all dropped: the user is then
    paged on every remaining method at once rather than only after a delay.
    """
    with uow:
        _require_user(uow, user_id)
        method = uow.contact_methods.get(method_id)
        if method is None or method.user_id != user_id:
            raise NotFound("contact method", method_id)
        uow.contact_methods.delete(method_id)
        rules = uow.notification_rules.list_for_users([user_id])[user_id]
        if rules and not any(rule.delay_minutes == 0 for rule in rules):
            uow.notification_rules.replace_for_user(user_id, [])
        uow.commit()


@retry_on_conflict
def put_notification_rules(
    uow: UnitOfWork, user_id: UUID, specs: Sequence[RuleSpec]
) -> list[NotificationRule]:
    """Replace the user's rules; InvalidRequest names every bad field (`rules.0.delay_minutes`).

    Takes effect for the next level that pages the user; pages already planned keep theirs.
    """
    with uow:
        _require_user(uow, user_id)
        methods = {m.id for m in _methods_of(uow, user_id)}
        rules = build_rules(specs, methods)
        uow.notification_rules.replace_for_user(user_id, rules)
        uow.commit()
    return list(rules)
