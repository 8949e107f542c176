"""Expanding a triggered level's schedule targets on the in-memory unit of work: resolved to
the person on call at the trigger instant, then paged like a user target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from argon2 import PasswordHasher

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.passwords import Argon2Hasher
from pagerd.domain.alert import Alert
from pagerd.domain.events import LevelTriggered
from pagerd.domain.policy import PolicyTarget, ScheduleTarget, UserTarget
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.entrypoints.console.timeline import describe_timeline
from pagerd.service_layer import schedules
from pagerd.service_layer.contact_methods import add_contact_method
from pagerd.service_layer.expansion import LevelExpansion, expand_level
from pagerd.service_layer.users import create_user
from pagerd.testing import FakeClock

CHEAP = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = FakeClock(MONDAY)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)

    def user(self, name: str) -> UUID:
        user_id = create_user(self.uow(), self.clock, name, "long enough pw", CHEAP).id
        add_contact_method(self.uow(), self.clock, user_id, "email", f"{name}@example.com")
        return user_id

    def schedule(self, layer: LayerSpec, name: str = "Primary") -> UUID:
        return schedules.create_schedule(self.uow(), self.clock, name, "UTC", [layer]).id

    def expand(self, *targets: PolicyTarget, at: datetime = MONDAY) -> LevelExpansion:
        alert = Alert(uuid4(), uuid4(), "down", created_at=at, plan=None)
        event = LevelTriggered(alert.id, at, targets=targets, timer_due_at=at + timedelta(hours=1))
        with self.uow() as uow:
            return expand_level(uow, alert, event)


def daily(people: list[UUID], restrictions: list[RestrictionSpec] | None = None) -> LayerSpec:
    return LayerSpec(people, "daily", 1, "2026-11-30T00:00", restrictions or [])


@pytest.fixture
def world() -> World:
    return World()


def _summaries(expansion: LevelExpansion) -> list[str]:
    return [e.details["summary"] for e in expansion.entries if e.type == "schedule_resolved"]


def test_a_schedule_target_pages_the_person_on_call_at_the_trigger_instant(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    primary = world.schedule(daily([alice, bob]))
    target = ScheduleTarget(uuid4(), primary)

    today = world.expand(target)
    tomorrow = world.expand(target, at=MONDAY + timedelta(days=1))

    assert [p.address for p in today.pages] == ["alice@example.com"]
    assert _summaries(today) == ["Primary: alice"]
    assert [p.address for p in tomorrow.pages] == ["bob@example.com"]
    assert _summaries(tomorrow) == ["Primary: bob"]
    paged = next(e for e in today.entries if e.type == "user_paged")
    assert (paged.details["user_id"], paged.details["target_id"]) == (str(alice), str(target.id))


def test_nobody_on_call_is_said_on_the_timeline_and_reaches_nobody(world: World) -> None:
    alice = world.user("alice")
    nights = RestrictionSpec(["mon"], "22:00", "06:00")
    primary = world.schedule(daily([alice], [nights]), name="Nights")

    expansion = world.expand(ScheduleTarget(uuid4(), primary))

    assert _summaries(expansion) == ["Nights: nobody on call"]
    assert not expansion.reaches_anyone
    assert [e.type for e in expansion.entries] == ["schedule_resolved"]


def test_a_deleted_schedule_reaches_nobody(world: World) -> None:
    expansion = world.expand(ScheduleTarget(uuid4(), uuid4()))

    assert _summaries(expansion) == ["a deleted schedule: nobody on call"]
    assert not expansion.reaches_anyone


def test_a_person_named_directly_and_on_call_is_paged_once_per_method(world: World) -> None:
    alice = world.user("alice")
    primary = world.schedule(daily([alice]))

    expansion = world.expand(UserTarget(uuid4(), alice), ScheduleTarget(uuid4(), primary))

    assert [p.address for p in expansion.pages] == ["alice@example.com"]
    assert _summaries(expansion) == ["Primary: alice"]


def test_the_console_timeline_says_who_the_schedule_had_on_call(world: World) -> None:
    alice = world.user("alice")
    primary = world.schedule(daily([alice]))
    alert = Alert(uuid4(), uuid4(), "down", created_at=MONDAY, plan=None)
    nights = world.schedule(daily([alice], [RestrictionSpec(["mon"], "22:00", "06:00")]), "Nights")

    expansion = world.expand(ScheduleTarget(uuid4(), primary), ScheduleTarget(uuid4(), nights))
    lines = [(line.tone, line.text) for line in describe_timeline(alert, expansion.entries)]

    assert ("info", "On call (level 1): Primary: alice.") in lines
    assert ("alarm", "On call (level 1): Nights: nobody on call.") in lines
