"""Whom level 1 would page right now (the service page): addresses as themselves, people
unless disabled, deleted or without a contact method, and schedules resolved by the very
code paging uses, so the page and the timeline of a real alert agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from argon2 import PasswordHasher

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.passwords import Argon2Hasher
from pagerd.domain.alert import Alert
from pagerd.domain.events import LevelTriggered
from pagerd.domain.policy import LevelSpec, TargetSpec, build_policy
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.service_layer import schedules
from pagerd.service_layer.contact_methods import add_contact_method
from pagerd.service_layer.expansion import expand_level
from pagerd.service_layer.paged_now import WouldPage, paged_now
from pagerd.service_layer.user_changes import UserChanges, update_user
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

    def user(self, name: str, reachable: bool = True) -> UUID:
        user_id = create_user(self.uow(), self.clock, name, "long enough pw", CHEAP).id
        if reachable:
            add_contact_method(self.uow(), self.clock, user_id, "email", f"{name}@example.com")
        return user_id

    def schedule(self, *people: UUID, restrictions: list[RestrictionSpec] | None = None) -> UUID:
        layer = LayerSpec(list(people), "daily", 1, "2026-11-30T00:00", restrictions or [])
        return schedules.create_schedule(self.uow(), self.clock, "Primary", "UTC", [layer]).id

    def now(self, *targets: TargetSpec) -> list[WouldPage]:
        level = build_policy(uuid4(), [LevelSpec(list(targets))]).levels[0]
        with self.uow() as uow:
            return paged_now(uow, level, self.clock.now())

    def timeline_summary(self, target: TargetSpec) -> str:
        """What paging freezes on the timeline when the level triggers now."""
        level = build_policy(uuid4(), [LevelSpec([target])]).levels[0]
        now = self.clock.now()
        alert = Alert(uuid4(), uuid4(), "down", created_at=now, plan=None)
        event = LevelTriggered(alert.id, now, targets=level.targets, timer_due_at=now)
        with self.uow() as uow:
            [entry] = [
                e for e in expand_level(uow, alert, event).entries if e.type == "schedule_resolved"
            ]
        return str(entry.details["summary"])


@pytest.fixture
def world() -> World:
    return World()


def test_addresses_are_shown_as_themselves(world: World) -> None:
    found = world.now(TargetSpec("email", "oncall@example.com"), TargetSpec("sms", "+14155550123"))

    assert found == [
        WouldPage("email", "oncall@example.com"),
        WouldPage("sms", "+14155550123"),
    ]


def test_a_person_is_named_and_one_who_cannot_be_paged_is_nobody(world: World) -> None:
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol", False)
    update_user(world.uow(), world.clock, bob, UserChanges(disabled=True))

    found = world.now(*(TargetSpec("user", str(u)) for u in (alice, bob, carol)))

    assert found == [
        WouldPage("user", "alice"),
        WouldPage("user", "bob", "the user is disabled"),
        WouldPage("user", "carol", "the user has no contact method"),
    ]
    assert [f.note for f in found] == [
        None,
        "the user is disabled",
        "the user has no contact method",
    ]


def test_a_deleted_user_is_nobody(world: World) -> None:
    gone = world.user("gone")
    with world.uow() as uow:
        uow.users.delete(gone)
        uow.commit()

    assert world.now(TargetSpec("user", str(gone))) == [
        WouldPage("user", "a deleted user", "the user no longer exists")
    ]


def test_a_schedule_names_its_person_on_call_as_paging_would(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    primary = world.schedule(alice)
    target = TargetSpec("schedule", str(primary))
    hour = timedelta(hours=1)
    schedules.add_override(world.uow(), world.clock, primary, bob, (MONDAY, MONDAY + hour))

    [now] = world.now(target)

    assert now == WouldPage("schedule", "Primary: bob")
    assert now.text == world.timeline_summary(target)
    world.clock.advance(2 * hour)
    assert world.now(target) == [WouldPage("schedule", "Primary: alice")]


def test_a_schedule_with_nobody_on_call_says_so_once(world: World) -> None:
    alice = world.user("alice")
    nights = [RestrictionSpec(["mon"], "22:00", "23:00")]
    target = TargetSpec("schedule", str(world.schedule(alice, restrictions=nights)))

    [now] = world.now(target)

    assert now == WouldPage("schedule", "Primary: nobody on call", "nobody on call")
    assert now.note is None
    assert now.text == world.timeline_summary(target)


def test_a_disabled_person_on_call_leaves_the_schedule_with_nobody(world: World) -> None:
    alice = world.user("alice")
    target = TargetSpec("schedule", str(world.schedule(alice)))
    update_user(world.uow(), world.clock, alice, UserChanges(disabled=True))

    assert world.now(target) == [WouldPage("schedule", "Primary: nobody on call", "nobody on call")]


def test_a_deleted_schedule_is_nobody(world: World) -> None:
    assert world.now(TargetSpec("schedule", str(uuid4()))) == [
        WouldPage("schedule", "a deleted schedule: nobody on call", "nobody on call")
    ]
