"""Expanding a triggered level into pages: addresses as they are, people by their rules.

Runs at trigger time, inside the unit of work that triggered the level, so who was paged
and on which methods is decided once and frozen: on the pages, the rule timers and the
timeline. A user target that reaches nobody (the user is gone or disabled, or has no
contact method) adds nothing; a level whose every target reaches nobody has failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from pagerd.domain.accounts import User
from pagerd.domain.alert import Alert
from pagerd.domain.events import LevelTriggered
from pagerd.domain.notification import Notification
from pagerd.domain.people import ContactMethod, NotificationRule, PlannedPage, plan_user_pages
from pagerd.domain.policy import Target, UserTarget
from pagerd.domain.timer import RuleTimer
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork


@dataclass
class LevelExpansion:
    """What one triggered level asks for: pages now, rule timers for later, and the
    timeline entries naming the people and methods used."""

    pages: list[Notification] = field(default_factory=list)
    rule_timers: list[RuleTimer] = field(default_factory=list)
    entries: list[TimelineEntry] = field(default_factory=list)

    @property
    def reaches_anyone(self) -> bool:
        """Whether any page is sent now or owed later."""
        return bool(self.pages or self.rule_timers)


@dataclass(frozen=True)
class _People:
    """The users a level names, with their contact methods and rules, read in bulk."""

    users: dict[UUID, User]
    methods: dict[UUID, list[ContactMethod]]
    rules: dict[UUID, list[NotificationRule]]


def expand_level(uow: UnitOfWork, alert: Alert, event: LevelTriggered) -> LevelExpansion:
    """The pages, rule timers and timeline entries of `event`'s targets, at `event.at`.

    A contact method is planned once per level, however many targets lead to it.
    """
    people = _read_people(uow, event)
    expansion = LevelExpansion()
    planned_methods: set[UUID] = set()
    for target in event.targets:
        if isinstance(target, Target):
            expansion.pages.append(
                Notification.for_target(
                    alert.id,
                    alert.monitored_service_id,
                    event.level,
                    event.pass_number,
                    target,
                    event.at,
                )
            )
        else:
            _expand_user(alert, event, target, people, planned_methods, expansion)
    return expansion


def _read_people(uow: UnitOfWork, event: LevelTriggered) -> _People:
    user_ids = list(dict.fromkeys(t.user_id for t in event.targets if isinstance(t, UserTarget)))
    if not user_ids:
        return _People({}, {}, {})
    users = {u.id: u for u in (uow.users.get(user_id) for user_id in user_ids) if u is not None}
    return _People(
        users,
        uow.contact_methods.list_for_users(user_ids),
        uow.notification_rules.list_for_users(user_ids),
    )


def _expand_user(
    alert: Alert,
    event: LevelTriggered,
    target: UserTarget,
    people: _People,
    planned_methods: set[UUID],
    expansion: LevelExpansion,
) -> None:
    user = people.users.get(target.user_id)
    methods = people.methods.get(target.user_id, [])
    reason = _unreachable_reason(user, methods)
    if reason is not None or user is None:
        expansion.entries.append(
            _entry(event, "user_unreachable", target, user, reason=reason or "")
        )
        return
    planned = [
        page
        for page in plan_user_pages(methods, people.rules.get(user.id, []), event.at)
        if page.contact_method.id not in planned_methods
    ]
    planned_methods.update(page.contact_method.id for page in planned)
    for page in planned:
        if page.immediate:
            expansion.pages.append(_page_now(alert, event, user, page))
        else:
            expansion.rule_timers.append(_rule_timer(alert, event, user, page))
    expansion.entries.append(
        _entry(
            event, "user_paged", target, user, contact_methods=[_method_view(p) for p in planned]
        )
    )


def _unreachable_reason(user: User | None, methods: list[ContactMethod]) -> str | None:
    if user is None:
        return "the user no longer exists"
    if user.disabled:
        return "the user is disabled"
    if not methods:
        return "the user has no contact method"
    return None


def _page_now(alert: Alert, event: LevelTriggered, user: User, page: PlannedPage) -> Notification:
    method = page.contact_method
    return Notification.for_contact_method(
        alert.id,
        alert.monitored_service_id,
        event.level,
        event.pass_number,
        user.id,
        method.id,
        method.channel,
        method.address,
        event.at,
    )


def _rule_timer(alert: Alert, event: LevelTriggered, user: User, page: PlannedPage) -> RuleTimer:
    method = page.contact_method
    return RuleTimer(
        id=uuid4(),
        alert_id=alert.id,
        level=event.level,
        pass_number=event.pass_number,
        user_id=user.id,
        contact_method_id=method.id,
        channel=method.channel,
        address=method.address,
        due_at=page.due_at,
    )


def _method_view(page: PlannedPage) -> dict[str, Any]:
    method = page.contact_method
    return {
        "id": str(method.id),
        "type": method.channel.value,
        "address": method.address,
        "label": method.label,
        "delay_minutes": int(page.delay.total_seconds()) // 60,
    }


def _entry(
    event: LevelTriggered, kind: str, target: UserTarget, user: User | None, **details: Any
) -> TimelineEntry:
    return TimelineEntry(
        alert_id=event.alert_id,
        at=event.at,
        type=kind,
        details={
            "level_id": event.level,
            "pass": event.pass_number,
            "target_id": str(target.id),
            "user_id": str(target.user_id),
            "user_name": user.name if user is not None else None,
            **details,
        },
    )
