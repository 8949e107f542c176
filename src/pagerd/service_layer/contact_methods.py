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
from pagerd.domain.roles import SYSTEM, Actor
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import Forbidden, NotFound
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


def require_profile_access(actor: Actor, user_id: UUID) -> None:
    """Raise Forbidden unless `actor` may change `user_id`'s contact methods and rules:
    admins anyone's, responders their own."""
    if not actor.may_edit_profile_of(user_id):
        raise Forbidden("only admins may change other users' contact methods and rules")


def _method_view(method: ContactMethod) -> dict[str, str]:
    return {"type": method.channel.value, "address": method.address, "label": method.label}


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
    actor: Actor = SYSTEM,
) -> ContactMethod:
    """Validate and store a contact method; InvalidRequest names every bad field, Forbidden
    when `actor` may not change this user's profile. Audited."""
    require_profile_access(actor, user_id)
    method = build_contact_method(user_id, type_, address, label, clock.now())
    with uow:
        _require_user(uow, user_id)
        if len(_methods_of(uow, user_id)) >= MAX_CONTACT_METHODS:
            limit = MAX_CONTACT_METHODS
            raise InvalidRequest([FieldError("type", f"a user has at most {limit} methods")])
        uow.contact_methods.add(method)
        record_audit(
            uow, clock, actor, "contact_method.created", method.id, after=_method_view(method)
        )
        uow.commit()
    return method


def get_profile(uow: UnitOfWork, user_id: UUID) -> Profile:
    """The user's contact methods and notification rules; NotFound for an unknown user."""
    with uow:
        _require_user(uow, user_id)
        rules = uow.notification_rules.list_for_users([user_id])[user_id]
        return Profile(user_id, _methods_of(uow, user_id), rules)


@retry_on_conflict
def delete_contact_method(
    uow: UnitOfWork,
    user_id: UUID,
    method_id: UUID,
    *,
    clock: Clock | None = None,
    actor: Actor = SYSTEM,
) -> None:
    """Delete one of the user's methods, its rules and its pending rule timers.

    When the rules left have no immediate one, they are all dropped: the user is then
    paged on every remaining method at once rather than only after a delay. Forbidden when
    `actor` may not change this user's profile; audited when `clock` is given.
    """
    require_profile_access(actor, user_id)
    with uow:
        _require_user(uow, user_id)
        method = uow.contact_methods.get(method_id)
        if method is None or method.user_id != user_id:
            raise NotFound("contact method", method_id)
        uow.contact_methods.delete(method_id)
        rules = uow.notification_rules.list_for_users([user_id])[user_id]
        if rules and not any(rule.delay_minutes == 0 for rule in rules):
            uow.notification_rules.replace_for_user(user_id, [])
        if clock is not None:
            view = _method_view(method)
            record_audit(uow, clock, actor, "contact_method.deleted", method.id, before=view)
        uow.commit()


@retry_on_conflict
def put_notification_rules(
    uow: UnitOfWork,
    user_id: UUID,
    specs: Sequence[RuleSpec],
    *,
    clock: Clock | None = None,
    actor: Actor = SYSTEM,
) -> list[NotificationRule]:
    """Replace the user's rules; InvalidRequest names every bad field (`rules.0.delay_minutes`).

    Takes effect for the next level that pages the user; pages already planned keep theirs.
    Forbidden when `actor` may not change this user's profile; audited when `clock` is given.
    """
    require_profile_access(actor, user_id)
    with uow:
        _require_user(uow, user_id)
        methods = {m.id for m in _methods_of(uow, user_id)}
        rules = build_rules(specs, methods)
        before = uow.notification_rules.list_for_users([user_id])[user_id]
        uow.notification_rules.replace_for_user(user_id, rules)
        if clock is not None:
            record_audit(
                uow,
                clock,
                actor,
                "notification_rules.updated",
                user_id,
                before={"rules": [_rule_view(r) for r in before]},
                after={"rules": [_rule_view(r) for r in rules]},
            )
        uow.commit()
    return list(rules)


def _rule_view(rule: NotificationRule) -> dict[str, object]:
    return {"contact_method_id": str(rule.contact_method_id), "delay_minutes": rule.delay_minutes}
