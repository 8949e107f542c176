"""The schedule repository's contract: in memory, SQLite, PostgreSQL.

Every test runs on each backend (`make_uow`); the in-memory adapter defines the semantics
the SQL ones must match.
"""

from __future__ import annotations

from datetime import datetime, time
from uuid import UUID, uuid4

import pytest

from pagerd.domain.schedule import Layer, Override, Restriction, Rotation, RotationType, Schedule
from pagerd.service_layer.errors import ConcurrencyConflict
from tests.integration.conftest import T0, UowFactory, at, commit_change

ALICE, BOB = UUID(int=0xA), UUID(int=0xB)


def _schedule(name: str = "Primary", created: int = 0) -> Schedule:
    nights = Restriction(frozenset({0, 4}), time(22, 0), time(6, 0))
    layers = (
        Layer((ALICE, BOB), Rotation(RotationType.WEEKLY, 1, datetime(2026, 1, 5, 9, 0))),
        Layer((BOB,), Rotation(RotationType.HOURLY, 12, datetime(2026, 1, 5, 8, 0)), (nights,)),
    )
    return Schedule(uuid4(), name, "Europe/Berlin", layers, at(created))


def _override(schedule: Schedule, start: int, end: int) -> Override:
    return Override(uuid4(), schedule.id, ALICE, at(start), at(end), at(0))


def test_a_schedule_round_trips_with_its_layers_and_restrictions(make_uow: UowFactory) -> None:
    schedule = _schedule()
    with make_uow(None) as uow:
        uow.schedules.add(schedule)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.schedules.get(schedule.id) == schedule
        assert uow.schedules.get_by_name("Primary") == schedule
        assert uow.schedules.get_by_name("Other") is None


def test_schedules_are_listed_oldest_first_and_updated_in_place(make_uow: UowFactory) -> None:
    first, second = _schedule("A", 1), _schedule("B", 2)
    with make_uow(None) as uow:
        uow.schedules.add(second)
        uow.schedules.add(first)
        uow.commit()
    renamed = Schedule(first.id, "A2", "UTC", first.layers[:1], first.created_at)
    with make_uow(None) as uow:
        uow.schedules.update(renamed)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.schedules.list(10) == [renamed, second]
        assert uow.schedules.list(10, after=(renamed.created_at, renamed.id)) == [second]


def test_a_second_schedule_with_a_taken_name_conflicts(make_uow: UowFactory) -> None:
    with make_uow(None) as uow:
        uow.schedules.add(_schedule())
        uow.commit()
    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.schedules.add(_schedule()))


def test_overrides_are_found_when_they_overlap_the_interval_and_go_with_the_schedule(
    make_uow: UowFactory,
) -> None:
    schedule = _schedule()
    early, late = _override(schedule, 0, 60), _override(schedule, 60, 120)
    with make_uow(None) as uow:
        uow.schedules.add(schedule)
        uow.schedules.add_override(late)
        uow.schedules.add_override(early)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.schedules.overrides_between(schedule.id, at(0), at(61)) == [early, late]
        assert uow.schedules.overrides_between(schedule.id, at(60), at(61)) == [late]
        assert uow.schedules.overrides_between(schedule.id, at(120), at(200)) == []
        assert uow.schedules.get_override(early.id) == early
        uow.schedules.delete_override(early.id)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.schedules.overrides_between(schedule.id, at(0), at(200)) == [late]
        uow.schedules.delete(schedule.id)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.schedules.get(schedule.id) is None
        assert uow.schedules.get_override(late.id) is None


def test_a_calendar_token_opens_one_users_feed_until_replaced(make_uow: UowFactory) -> None:
    with make_uow(None) as uow:
        uow.schedules.set_calendar_token(ALICE, "h1", T0)
        uow.schedules.set_calendar_token(BOB, "h2", T0)
        uow.commit()
    with make_uow(None) as uow:
        uow.schedules.set_calendar_token(ALICE, "h3", at(1))
        uow.commit()
    with make_uow(None) as uow:
        assert uow.schedules.user_of_calendar_token("h1") is None
        assert uow.schedules.user_of_calendar_token("h3") == ALICE
        assert uow.schedules.user_of_calendar_token("h2") == BOB
