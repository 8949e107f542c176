"""Expanding a triggered level into pages: addresses as they are, people by their rules.

Runs at trigger time, inside the unit of work that triggered the level, so who was paged
and on which methods is decided once and frozen: on the pages, the rule timers and the
timeline. A schedule target is first resolved to the person on call at the trigger instant
(a `schedule_resolved` entry names them, or says nobody is on call), then paged like a user
target. A target that reaches nobody (the user is gone or disabled, or has no contact
method; the schedule has nobody on call) adds nothing; a level whose every target reaches
nobody has failed.
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
from pagerd.domain.policy import ScheduleTarget, Target, UserTarget
from pagerd.domain.timer import RuleTimer
from pagerd.service_layer.on_call import (
    ScheduleResolution,
    resolve_schedule_target,
    schedule_summary,
)
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

    A contact method is planned once per level, however many targets lead to it (a person
    named directly and through a schedule is paged once per method).
    """
    resolved = {
        t.id: resolve_schedule_target(uow, t.schedule_id, event.at)
        for t in event.targets
        if isinstance(t, ScheduleTarget)
    }
    people = _read_people(uow, event, resolved)
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
        elif isinstance(target, ScheduleTarget):
            resolution = resolved[target.id]
            expansion.entries.append(_schedule_entry(event, target, resolution, people))
            user_id = resolution.on_call.user_id
            if user_id is not None:
                as_user = UserTarget(id=target.id, user_id=user_id)
                _expand_user(alert, event, as_user, people, planned_methods, expansion)
        else:
            _expand_user(alert, event, target, people, planned_methods, expansion)
    return expansion


def _read_people(
    uow: UnitOfWork, event: LevelTriggered, resolved: dict[UUID, ScheduleResolution]
) -> _People:
    named = [t.user_id for t in event.targets if isinstance(t, UserTarget)]
    on_call = [r.on_call.user_id for r in resolved.values() if r.on_call.user_id is not None]
    user_ids = list(dict.fromkeys([*named, *on_call]))
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
    reason = unreachable_reason(user, methods)
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


def _schedule_entry(
    event: LevelTriggered, target: ScheduleTarget, resolution: ScheduleResolution, people: _People
) -> TimelineEntry:
    """The frozen answer of a schedule target: "Primary: alice" or "Primary: nobody on call"."""
    schedule = resolution.schedule
    user_id = resolution.on_call.user_id
    user = people.users.get(user_id) if user_id is not None else None
    return TimelineEntry(
        alert_id=event.alert_id,
        at=event.at,
        type="schedule_resolved",
        details={
            "level_id": event.level,
            "pass": event.pass_number,
            "target_id": str(target.id),
            "schedule_id": str(target.schedule_id),
            "schedule_name": schedule.name if schedule is not None else None,
            "user_id": str(user_id) if user_id is not None else None,
            "user_name": user.name if user is not None else None,
            "override_id": _text(resolution.on_call.override_id),
            "summary": schedule_summary(schedule, user),
        },
    )


def _text(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def unreachable_reason(user: User | None, methods: list[ContactMethod]) -> str | None:
    """Why a person cannot be paged (deleted, disabled, no contact method), or None."""
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
