"""Schedule use cases on the in-memory unit of work: who a schedule target resolves to at an
instant, gaps of targeted schedules, deletion guarded by policies, unavailable users."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from argon2 import PasswordHasher

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.passwords import Argon2Hasher
from pagerd.domain.policy import EscalationPolicy, Level, ScheduleTarget
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.service_layer import on_call, schedules
from pagerd.service_layer.errors import Conflict
from pagerd.service_layer.services import create_service
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
        return create_user(self.uow(), self.clock, name, "long enough pw", CHEAP).id

    def schedule(self, layers: list[LayerSpec], name: str = "Primary") -> UUID:
        return schedules.create_schedule(self.uow(), self.clock, name, "UTC", layers).id

    def target(self, schedule_id: UUID, service: str = "checkout") -> None:
        made = create_service(self.uow(), self.clock, service)
        target = ScheduleTarget(uuid4(), schedule_id)
        policy = EscalationPolicy(uuid4(), made.id, (Level(timedelta(minutes=5), (target,)),))
        with self.uow() as uow:
            uow.policies.save(policy)
            uow.commit()

    def resolve(self, schedule_id: UUID, at: datetime) -> UUID | None:
        with self.uow() as uow:
            return on_call.resolve_schedule_target(uow, schedule_id, at).on_call.user_id


def daily(people: list[UUID], restrictions: list[RestrictionSpec] | None = None) -> LayerSpec:
    return LayerSpec(people, "daily", 1, "2026-11-30T00:00", restrictions or [])


@pytest.fixture
def world() -> World:
    return World()


def test_a_schedule_target_resolves_to_whoever_is_on_call_at_that_instant(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    primary = world.schedule([daily([alice, bob])])

    assert world.resolve(primary, MONDAY) == alice
    assert world.resolve(primary, MONDAY + timedelta(days=1)) == bob


def test_an_override_made_a_moment_before_changes_who_the_target_resolves_to(
    world: World,
) -> None:
    alice, carol = world.user("alice"), world.user("carol")
    primary = world.schedule([daily([alice])])
    span = (MONDAY - timedelta(seconds=1), MONDAY + timedelta(hours=1))
    schedules.add_override(world.uow(), world.clock, primary, carol, span)

    assert world.resolve(primary, MONDAY) == carol
    assert world.resolve(primary, MONDAY + timedelta(hours=1)) == alice


def test_a_target_resolves_to_nobody_outside_the_restrictions_or_for_a_deleted_user(
    world: World,
) -> None:
    alice = world.user("alice")
    hours = RestrictionSpec(["mon"], "09:00", "17:00")
    primary = world.schedule([daily([alice], [hours])])
    ghost = world.schedule([daily([alice])], name="Ghost")
    with world.uow() as uow:  # alice leaves: her shifts stay in place, as gaps
        del uow._working.users[alice]
        uow.commit()

    assert world.resolve(primary, MONDAY) is None
    assert world.resolve(ghost, MONDAY) is None


def test_a_disabled_user_is_skipped_for_the_layer_beneath(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    primary = world.schedule([daily([alice]), daily([bob])])
    with world.uow() as uow:
        stored = uow.users.get(bob)
        assert stored is not None
        uow.users.update(dataclasses.replace(stored, disabled=True))
        uow.commit()

    assert world.resolve(primary, MONDAY) == alice


def test_gaps_are_reported_for_targeted_schedules_only_unless_all_are_asked(
    world: World,
) -> None:
    alice = world.user("alice")
    hours = RestrictionSpec(["mon", "tue", "wed", "thu", "fri"], "09:00", "17:00")
    targeted = world.schedule([daily([alice], [hours])], name="Primary")
    world.schedule([daily([alice], [hours])], name="Spare")
    world.schedule([daily([alice])], name="Full")
    world.target(targeted)

    found = on_call.schedule_gaps(world.uow(), MONDAY)
    assert [(g.schedule.name, g.service_names) for g in found] == [("Primary", ["checkout"])]
    first = found[0].gaps[0]
    assert (first.start_at, first.end_at) == (
        MONDAY + timedelta(hours=5),
        MONDAY + timedelta(hours=21),
    )
    assert all(g.end_at <= MONDAY + timedelta(days=28) for g in found[0].gaps)
    every = on_call.schedule_gaps(world.uow(), MONDAY, every=True)
    assert sorted(g.schedule.name for g in every) == ["Primary", "Spare"]


def test_a_schedule_a_policy_targets_cannot_be_deleted(world: World) -> None:
    alice = world.user("alice")
    primary = world.schedule([daily([alice])])
    world.target(primary)

    with pytest.raises(Conflict, match="checkout"):
        schedules.delete_schedule(world.uow(), world.clock, primary)
    assert schedules.get_schedule(world.uow(), primary).id == primary


def test_a_target_naming_a_deleted_schedule_resolves_to_nobody(world: World) -> None:
    alice = world.user("alice")
    primary = world.schedule([daily([alice])])
    schedules.delete_schedule(world.uow(), world.clock, primary)

    assert world.resolve(primary, MONDAY) is None


def test_the_schedules_naming_a_user_say_where_they_are_the_only_participant(
    world: World,
) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    world.schedule([daily([alice, bob])], name="Shared")
    world.schedule([daily([bob]), daily([alice])], name="Alone")
    world.schedule([daily([bob])], name="Elsewhere")

    with world.uow() as uow:
        found = schedules.schedules_naming(uow, alice)

    assert sorted((s.name, alone) for s, alone in found) == [("Alone", True), ("Shared", False)]
