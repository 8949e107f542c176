"""Use cases of on-call schedules and their overrides: create, replace, delete, override."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pagerd.domain.accounts import User
from pagerd.domain.errors import FieldError, InvalidSchedule
from pagerd.domain.roles import COMMAND_LINE, Actor
from pagerd.domain.schedule import Override, Schedule
from pagerd.domain.schedule_build import LayerSpec, build_override, build_schedule
from pagerd.domain.service import MonitoredService
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import Conflict, Forbidden, NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

MAX_OVERRIDE_LISTING = timedelta(days=366)


class ScheduleNameTaken(Conflict):
    """Another schedule already has that name."""

    code = "name_taken"


class NotYourOverride(Forbidden):
    """A responder adding or removing another user's override."""


@retry_on_conflict
def create_schedule(
    uow: UnitOfWork,
    clock: Clock,
    name: str,
    time_zone: str,
    layers: Sequence[LayerSpec],
    actor: Actor = COMMAND_LINE,
) -> Schedule:
    """Validate and store a new schedule; every participant must be a known user."""
    with uow:
        schedule = build_schedule(name, time_zone, layers, clock.now())
        _check_participants(uow, layers)
        if uow.schedules.get_by_name(schedule.name) is not None:
            raise ScheduleNameTaken(f"a schedule named {schedule.name!r} already exists")
        uow.schedules.add(schedule)
        after = schedule_view(schedule)
        record_audit(uow, clock, actor, "schedule.created", schedule.id, after=after)
        uow.commit()
        return schedule


@retry_on_conflict
def replace_schedule(
    uow: UnitOfWork,
    clock: Clock,
    schedule_id: UUID,
    name: str,
    time_zone: str,
    layers: Sequence[LayerSpec],
    actor: Actor = COMMAND_LINE,
) -> Schedule:
    """Replace a schedule's name, zone and layers; its overrides stay."""
    with uow:
        current = require_schedule(uow, schedule_id)
        schedule = build_schedule(name, time_zone, layers, current.created_at, schedule_id)
        _check_participants(uow, layers)
        holder = uow.schedules.get_by_name(schedule.name)
        if holder is not None and holder.id != schedule_id:
            raise ScheduleNameTaken(f"a schedule named {schedule.name!r} already exists")
        uow.schedules.update(schedule)
        record_audit(
            uow,
            clock,
            actor,
            "schedule.replaced",
            schedule_id,
            before=schedule_view(current),
            after=schedule_view(schedule),
        )
        uow.commit()
        return schedule


def get_schedule(uow: UnitOfWork, schedule_id: UUID) -> Schedule:
    """One schedule, or NotFound."""
    with uow:
        return require_schedule(uow, schedule_id)


@retry_on_conflict
def delete_schedule(
    uow: UnitOfWork, clock: Clock, schedule_id: UUID, actor: Actor = COMMAND_LINE
) -> None:
    """Delete a schedule and its overrides; refused (Conflict) while a policy targets it."""
    with uow:
        schedule = require_schedule(uow, schedule_id)
        targeting = services_targeting(uow, schedule_id)
        if targeting:
            names = ", ".join(sorted(s.name for s in targeting))
            raise Conflict(f"the escalation policies of these services target it: {names}")
        uow.schedules.delete(schedule_id)
        before = schedule_view(schedule)
        record_audit(uow, clock, actor, "schedule.deleted", schedule_id, before=before)
        uow.commit()


@retry_on_conflict
def add_override(
    uow: UnitOfWork,
    clock: Clock,
    schedule_id: UUID,
    user_id: UUID,
    span: tuple[datetime, datetime],
    actor: Actor = COMMAND_LINE,
) -> Override:
    """Put `user_id` on call for the schedule over span = [start, end), over every layer.
    Raises NotYourOverride when `actor` may not edit `user_id`'s profile (a responder
    covering for someone else)."""
    _check_override_author(actor, user_id, "add")
    with uow:
        require_schedule(uow, schedule_id)
        override = build_override(schedule_id, user_id, span[0], span[1], clock.now())
        user = uow.users.get(user_id)
        if user is None or is_disabled(user):
            raise InvalidSchedule([FieldError("user_id", "must be an enabled user")])
        uow.schedules.add_override(override)
        record_audit(uow, clock, actor, "override.added", override.id, after=override)
        uow.commit()
        return override


def list_overrides(
    uow: UnitOfWork, schedule_id: UUID, start_at: datetime, end_at: datetime
) -> list[Override]:
    """The schedule's overrides overlapping [start_at, end_at) (at most 366 days), by start."""
    if end_at <= start_at:
        raise InvalidSchedule([FieldError("to", "must be after from")])
    if end_at - start_at > MAX_OVERRIDE_LISTING:
        raise InvalidSchedule([FieldError("to", "must be at most 366 days after from")])
    with uow:
        require_schedule(uow, schedule_id)
        return uow.schedules.overrides_between(schedule_id, start_at, end_at)


@retry_on_conflict
def delete_override(
    uow: UnitOfWork,
    clock: Clock,
    schedule_id: UUID,
    override_id: UUID,
    actor: Actor = COMMAND_LINE,
) -> None:
    """Remove one override of the schedule; NotFound if it is not one of its overrides,
    NotYourOverride when `actor` may not edit the profile of the override's user."""
    with uow:
        override = uow.schedules.get_override(override_id)
        if override is None or override.schedule_id != schedule_id:
            raise NotFound("override", override_id)
        _check_override_author(actor, override.user_id, "remove")
        uow.schedules.delete_override(override_id)
        record_audit(uow, clock, actor, "override.deleted", override_id, before=override)
        uow.commit()


def _check_override_author(actor: Actor, user_id: UUID, verb: str) -> None:
    if not actor.may_edit_profile_of(user_id):
        raise NotYourOverride(
            f"{actor.name} is a {actor.role.value}: responders may {verb} overrides only for "
            "themselves; an admin may do it for anyone"
        )


def schedule_view(schedule: Schedule) -> dict[str, Any]:
    """A schedule as the audit log shows it (JSON-friendly: times of day as `HH:MM`)."""
    return {
        "id": schedule.id,
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        "layers": [
            {
                "participants": list(layer.participants),
                "rotation": layer.rotation.type,
                "shift_length": layer.rotation.shift_length,
                "handoff": layer.rotation.handoff.isoformat(timespec="minutes"),
                "restrictions": [
                    {
                        "days": sorted(r.days),
                        "start": r.start.isoformat(timespec="minutes"),
                        "end": r.end.isoformat(timespec="minutes"),
                    }
                    for r in layer.restrictions
                ],
            }
            for layer in schedule.layers
        ],
    }


def require_schedule(uow: UnitOfWork, schedule_id: UUID) -> Schedule:
    """The schedule, inside an open unit of work; NotFound when it does not exist."""
    schedule = uow.schedules.get(schedule_id)
    if schedule is None:
        raise NotFound("schedule", schedule_id)
    return schedule


def is_disabled(user: User) -> bool:
    """Whether a user may not be paged (nor be on call): disabled."""
    return not user.is_pageable


def services_targeting(uow: UnitOfWork, schedule_id: UUID) -> list[MonitoredService]:
    """The services whose escalation policy has a schedule target naming `schedule_id`.

    Policy targets gain `schedule_id` with the schedule target type; a target without one
    never matches.
    """
    found: list[MonitoredService] = []
    after = None
    while batch := uow.services.list(500, after):
        for service in batch:
            policy = uow.policies.get_for_service(service.id)
            targets = [t for level in policy.levels for t in level.targets] if policy else []
            if any(getattr(t, "schedule_id", None) == schedule_id for t in targets):
                found.append(service)
        after = (batch[-1].created_at, batch[-1].id)
    return found


def schedules_naming(uow: UnitOfWork, user_id: UUID) -> list[tuple[Schedule, bool]]:
    """The schedules whose layers name `user_id`, each with whether the user is the only
    participant of one of its layers (deleting them would leave that layer empty)."""
    found: list[tuple[Schedule, bool]] = []
    after = None
    while batch := uow.schedules.list(500, after):
        for schedule in batch:
            naming = [layer for layer in schedule.layers if user_id in layer.participants]
            if naming:
                alone = any(set(layer.participants) == {user_id} for layer in naming)
                found.append((schedule, alone))
        after = (batch[-1].created_at, batch[-1].id)
    return found


def _check_participants(uow: UnitOfWork, layers: Sequence[LayerSpec]) -> None:
    problems = [
        FieldError(f"layers.{i}.participants.{j}", "must be the id of an existing user")
        for i, layer in enumerate(layers)
        for j, user_id in enumerate(layer.participants)
        if uow.users.get(user_id) is None
    ]
    if problems:
        raise InvalidSchedule(problems)
