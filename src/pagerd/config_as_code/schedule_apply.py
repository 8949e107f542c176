"""Making stored schedules match declared ones, and writing stored schedules back out.

Run inside `apply_configuration`'s transaction. A schedule is matched by name; its zone and
layers are replaced when they differ. Declared overrides (when the file has an `overrides:`
list) replace the stored ones: missing ones are added, undeclared ones removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pagerd.config_as_code.apply_change import Action, Change
from pagerd.config_as_code.render import rfc3339
from pagerd.config_as_code.schedule_model import DeclaredLayer, DeclaredOverride, DeclaredSchedule
from pagerd.domain.errors import FieldError, InvalidSchedule
from pagerd.domain.schedule import Schedule
from pagerd.domain.schedule_build import EARLIEST, LATEST, build_override, build_schedule
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.users import every_user

_PAGE = 500


def converge_schedules(
    uow: UnitOfWork, clock: Clock, declared: Sequence[DeclaredSchedule]
) -> list[Change]:
    """Create or update each declared schedule (and its overrides when declared)."""
    if not declared:
        return []
    ids = _user_ids(uow, declared)
    changes: list[Change] = []
    for wanted in declared:
        specs = [layer.spec(ids) for layer in wanted.layers]
        current = uow.schedules.get_by_name(wanted.name)
        if current is None:
            current = build_schedule(wanted.name, wanted.time_zone, specs, clock.now())
            uow.schedules.add(current)
            changes.append(Change(Action.CREATE, "schedule", wanted.name, _describe(wanted)))
        elif _content(current, _names(uow)) != (wanted.time_zone, wanted.layers):
            replaced = build_schedule(
                wanted.name, wanted.time_zone, specs, current.created_at, current.id
            )
            uow.schedules.update(replaced)
            changes.append(Change(Action.UPDATE, "schedule", wanted.name, _describe(wanted)))
        if wanted.overrides is not None:
            changes += _converge_overrides(uow, clock, current, wanted.overrides, ids)
    return changes


def schedule_directory(uow: UnitOfWork) -> dict[str, UUID]:
    """Every schedule's id, by name."""
    found: dict[str, UUID] = {}
    after = None
    while batch := uow.schedules.list(_PAGE, after):
        found.update((schedule.name, schedule.id) for schedule in batch)
        after = (batch[-1].created_at, batch[-1].id)
    return found


def export_schedules(uow: UnitOfWork) -> tuple[DeclaredSchedule, ...]:
    """Every stored schedule with its overrides, sorted by name, users by username."""
    names = _names(uow)
    found: list[DeclaredSchedule] = []
    after = None
    while batch := uow.schedules.list(_PAGE, after):
        for schedule in batch:
            stored = uow.schedules.overrides_between(schedule.id, EARLIEST, LATEST)
            found.append(
                DeclaredSchedule(
                    schedule.name,
                    schedule.time_zone,
                    tuple(DeclaredLayer.of(layer, names) for layer in schedule.layers),
                    tuple(DeclaredOverride.of(o, names) for o in stored),
                )
            )
        after = (batch[-1].created_at, batch[-1].id)
    return tuple(sorted(found, key=lambda s: s.name))


def _converge_overrides(
    uow: UnitOfWork,
    clock: Clock,
    schedule: Schedule,
    wanted: Sequence[DeclaredOverride],
    ids: dict[str, str],
) -> list[Change]:
    stored = uow.schedules.overrides_between(schedule.id, EARLIEST, LATEST)
    have = {(str(o.user_id), o.start_at, o.end_at): o for o in stored}
    want = {(ids[o.user], o.start_at, o.end_at): o for o in wanted}
    changes: list[Change] = []
    names = _names(uow)
    for key, override in have.items():
        if key not in want:
            uow.schedules.delete_override(override.id)
            detail = f"{names.get(key[0], key[0])} {_span(override.start_at, override.end_at)}"
            changes.append(Change(Action.DELETE, "override", schedule.name, detail))
    for key, declared in want.items():
        if key not in have:
            made = build_override(
                schedule.id, UUID(key[0]), declared.start_at, declared.end_at, clock.now()
            )
            uow.schedules.add_override(made)
            detail = f"{declared.user} {_span(declared.start_at, declared.end_at)}"
            changes.append(Change(Action.CREATE, "override", schedule.name, detail))
    return changes


def _user_ids(uow: UnitOfWork, declared: Sequence[DeclaredSchedule]) -> dict[str, str]:
    ids: dict[str, str] = {}
    problems: list[FieldError] = []
    for index, schedule in enumerate(declared):
        for name in sorted(schedule.usernames()):
            user = uow.users.get_by_name(name)
            if user is None:
                problems.append(FieldError(f"schedules[{index}]", f"no user named {name!r}"))
            else:
                ids[name] = str(user.id)
    if problems:
        raise InvalidSchedule(problems)
    return ids


def _names(uow: UnitOfWork) -> dict[str, str]:
    return {str(user.id): user.name for user in every_user(uow)}


def _content(schedule: Schedule, names: dict[str, str]) -> tuple[str, tuple[DeclaredLayer, ...]]:
    return schedule.time_zone, tuple(DeclaredLayer.of(layer, names) for layer in schedule.layers)


def _describe(schedule: DeclaredSchedule) -> str:
    count = len(schedule.layers)
    return f"{schedule.time_zone}, {count} layer{'s' if count != 1 else ''}"


def _span(start_at: datetime, end_at: datetime) -> str:
    return f"{rfc3339(start_at)} to {rfc3339(end_at)}"
