"""Schedules under the access rules, on fakes: who may cover whom, what the audit log keeps
of schedule changes, and the user a rotation cannot lose."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID

import pytest

from pagerd.domain.audit import AuditEntry
from pagerd.domain.roles import Actor, Role
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.service_layer import schedules
from pagerd.service_layer.calendar_feeds import create_calendar_feed
from pagerd.service_layer.errors import Forbidden
from pagerd.service_layer.schedules import NotYourOverride
from pagerd.service_layer.user_changes import UserInUse, delete_user
from tests.unit.test_use_cases_schedules import MONDAY, World, daily


def actor(world: World, user_id: UUID, role: Role) -> Actor:
    with world.uow() as uow:
        user = uow.users.get(user_id)
    assert user is not None
    return Actor(user.name, role, user_id)


def entries(world: World, prefix: str) -> list[AuditEntry]:
    with world.uow() as uow:
        found = uow.audit_log.list(100)
    return [e for e in reversed(found) if e.action.startswith(prefix)]


SPAN = (MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=5))


@pytest.fixture
def world() -> World:
    return World()


def test_a_responder_covers_only_for_themselves_and_a_refusal_stores_nothing(
    world: World,
) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    primary = world.schedule([daily([alice])])
    as_bob = actor(world, bob, Role.RESPONDER)

    with pytest.raises(NotYourOverride, match="responders may add overrides only for themselves"):
        schedules.add_override(world.uow(), world.clock, primary, alice, SPAN, as_bob)
    mine = schedules.add_override(world.uow(), world.clock, primary, bob, SPAN, as_bob)

    with world.uow() as uow:
        stored = uow.schedules.overrides_between(primary, MONDAY, MONDAY + timedelta(days=1))
    assert stored == [mine]
    assert [(e.action, e.actor_id, e.subject_id) for e in entries(world, "override.")] == [
        ("override.added", bob, str(mine.id))
    ]


def test_a_responder_may_not_remove_someone_elses_override_but_an_admin_may(
    world: World,
) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    primary = world.schedule([daily([bob])])
    theirs = schedules.add_override(world.uow(), world.clock, primary, alice, SPAN)

    with pytest.raises(NotYourOverride, match="may remove overrides only for themselves"):
        schedules.delete_override(
            world.uow(), world.clock, primary, theirs.id, actor(world, bob, Role.RESPONDER)
        )
    world.clock.advance(timedelta(seconds=1))  # entries of one instant have no order
    schedules.delete_override(
        world.uow(), world.clock, primary, theirs.id, actor(world, bob, Role.ADMIN)
    )

    assert [e.action for e in entries(world, "override.")] == [
        "override.added",
        "override.deleted",
    ]


def test_a_schedule_is_audited_as_plain_json_with_times_of_day(world: World) -> None:
    alice = world.user("alice")
    hours = RestrictionSpec(["mon", "tue"], "09:00", "17:30")

    made = world.schedule([LayerSpec([alice], "daily", 1, "2026-11-30T08:00", [hours])])

    [entry] = entries(world, "schedule.")
    assert (entry.action, entry.subject_id, entry.actor_name) == (
        "schedule.created",
        str(made),
        "command line",
    )
    assert entry.after is not None
    assert json.loads(json.dumps(entry.after))["layers"] == [
        {
            "participants": [str(alice)],
            "rotation": "daily",
            "shift_length": 1,
            "handoff": "2026-11-30T08:00",
            "restrictions": [{"days": [0, 1], "start": "09:00", "end": "17:30"}],
        }
    ]


def test_the_only_participant_of_a_rotation_is_not_deleted(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    primary = world.schedule([daily([alice, bob]), daily([alice])], name="Nights")

    with pytest.raises(UserInUse) as refused:
        delete_user(world.uow(), world.clock, alice)
    delete_user(world.uow(), world.clock, bob)

    assert f'rotation of schedule "Nights" ({primary})' in str(refused.value)
    with world.uow() as uow:
        assert uow.users.get(alice) is not None
        assert uow.users.get(bob) is None


def test_a_responder_makes_their_own_calendar_feed_only(world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    as_bob = actor(world, bob, Role.RESPONDER)

    with pytest.raises(Forbidden):
        create_calendar_feed(world.uow(), world.clock, alice, as_bob)
    create_calendar_feed(world.uow(), world.clock, bob, as_bob)

    assert [(e.action, e.subject_id) for e in entries(world, "calendar_feed.")] == [
        ("calendar_feed.created", str(bob))
    ]
