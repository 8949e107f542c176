"""The audit log on fakes: configuration changes and incident actions write one entry each,
in the same transaction as the change (a refused change writes none)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.domain.audit import AuditEntry
from pagerd.domain.policy import LevelSpec, TargetSpec
from pagerd.domain.roles import Actor, Role
from pagerd.service_layer.alerts import acknowledge, receive_alert
from pagerd.service_layer.audit import record_audit, snapshot
from pagerd.service_layer.errors import Conflict
from pagerd.service_layer.policies import put_policy
from pagerd.service_layer.services import create_service, delete_service, mark_healthy
from pagerd.testing import FakeClock

ADA = Actor("ada", Role.ADMIN, uuid4())
BOB = Actor("bob", Role.RESPONDER, uuid4())
LEVELS = [LevelSpec([TargetSpec("email", "oncall@example.com")])]


class Audited:
    def __init__(self) -> None:
        self.uow = InMemoryUnitOfWork(InMemoryStore())
        self.clock = FakeClock()

    def entries(self) -> list[AuditEntry]:
        with self.uow:
            return list(reversed(self.uow.audit_log.list(100)))

    def tick(self) -> None:
        self.clock.advance(1)


@pytest.fixture
def audited() -> Audited:
    return Audited()


def test_configuration_changes_are_audited_with_their_author_and_no_secret(
    audited: Audited,
) -> None:
    uow, clock = audited.uow, audited.clock
    service = create_service(uow, clock, "checkout", actor=ADA)
    audited.tick()
    put_policy(uow, service.id, LEVELS, clock=clock, actor=ADA)
    audited.tick()
    put_policy(uow, service.id, LEVELS, 2, clock=clock, actor=ADA)
    audited.tick()
    delete_service(uow, service.id, clock=clock, actor=ADA)

    entries = audited.entries()

    assert [e.action for e in entries] == [
        "service.created",
        "policy.created",
        "policy.updated",
        "service.deleted",
    ]
    assert {e.actor_name for e in entries} == {"ada"}
    created, _, updated, deleted = entries
    assert created.after is not None
    assert created.after["name"] == "checkout"
    assert updated.before is not None
    assert updated.after is not None
    assert (updated.before["repeat"], updated.after["repeat"]) == (0, 2)
    assert updated.after["levels"][0]["targets"][0]["address"] == "oncall@example.com"
    assert deleted.before is not None
    assert deleted.after is None
    assert service.integration_key not in repr(entries)


def test_incident_actions_are_audited_once_each_with_who_did_them(audited: Audited) -> None:
    uow, clock = audited.uow, audited.clock
    service = create_service(uow, clock, "checkout", actor=ADA)
    alert = receive_alert(uow, clock, service.id, "down").alert
    audited.tick()
    acknowledge(uow, clock, alert.id, "bob", actor=BOB)
    acknowledge(uow, clock, alert.id, "bob", actor=BOB)  # idempotent: nothing new
    audited.tick()
    mark_healthy(uow, clock, service.id, actor=BOB)
    mark_healthy(uow, clock, service.id, actor=BOB)

    entries = audited.entries()[1:]

    assert [(e.action, e.actor_name) for e in entries[:1]] == [("alert.acknowledged", "bob")]
    # Resolving the alert and healing the service are one use case, at one instant.
    assert sorted((e.action, e.actor_name) for e in entries[1:]) == [
        ("alert.resolved", "bob"),
        ("service.marked_healthy", "bob"),
    ]
    assert entries[0].subject_id == str(alert.id)
    assert entries[0].after == {"status": "acknowledged", "acknowledged_by": "bob"}
    assert entries[0].actor_id == BOB.user_id


def test_a_refused_change_writes_no_audit_entry(audited: Audited) -> None:
    uow, clock = audited.uow, audited.clock
    service = create_service(uow, clock, "checkout", actor=ADA)
    receive_alert(uow, clock, service.id, "down")

    with pytest.raises(Conflict):
        delete_service(uow, service.id, clock=clock, actor=ADA)

    assert [e.action for e in audited.entries()] == ["service.created"]


def test_an_entry_recorded_in_a_unit_of_work_left_without_commit_is_gone(
    audited: Audited,
) -> None:
    with audited.uow as uow:
        record_audit(uow, audited.clock, ADA, "thing.changed", None, after={"x": 1})

    assert audited.entries() == []


def test_a_snapshot_is_plain_json_without_secret_fields() -> None:
    found = snapshot(
        {"password_hash": "$argon2", "nested": {"integration_key": "k", "kept": 1}, "ids": (1,)}
    )

    assert found == {"nested": {"kept": 1}, "ids": [1]}
