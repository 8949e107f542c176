"""Monitored services and their escalation policies through the use cases."""

from __future__ import annotations

import copy
from uuid import uuid4

import pytest

from pagerd.domain.errors import InvalidPolicy
from pagerd.domain.service import ServiceStatus
from pagerd.service_layer import policies, services
from pagerd.service_layer.errors import Conflict, NotFound
from pagerd.service_layer.services import InvalidServiceName
from pagerd.testing.harness import PagingHarness, level


def test_a_new_service_is_healthy_with_a_secret_integration_key() -> None:
    h = PagingHarness()

    first = h.create_service("  checkout  ")
    second = h.create_service("search")

    assert (first.name, first.status, first.created_at) == (
        "checkout",
        ServiceStatus.HEALTHY,
        h.clock.now(),
    )
    assert len(first.integration_key) == 32
    assert first.integration_key != second.integration_key
    assert h.get_service(first.id) == first


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_service_name_must_have_one_to_two_hundred_characters(name: str) -> None:
    h = PagingHarness()

    with pytest.raises(InvalidServiceName):
        h.create_service(name)

    assert h.store.state.services == {}


def test_service_names_are_unique() -> None:
    h = PagingHarness()
    h.create_service("checkout")

    with pytest.raises(InvalidServiceName, match="already exists"):
        h.create_service("checkout ")

    assert len(h.store.state.services) == 1


def test_a_service_in_incident_cannot_be_deleted() -> None:
    h = PagingHarness()
    service = h.create_service("checkout")
    h.alert(service.id)
    before = copy.deepcopy(h.store.state)

    with pytest.raises(Conflict):
        services.delete_service(h.uow, service.id)

    assert h.store.state == before


def test_deleting_a_healed_service_removes_its_policy_alerts_and_history() -> None:
    h = PagingHarness()
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("a@example.com")])
    h.alert(service.id)
    h.healthy(service.id)

    services.delete_service(h.uow, service.id)

    state = h.store.state
    assert (state.services, state.policies, state.alerts) == ({}, {}, {})
    assert (state.notifications, state.timers, state.timeline) == ({}, {}, [])
    with pytest.raises(NotFound):
        services.delete_service(h.uow, service.id)


def test_a_new_policy_replaces_the_old_one_and_keeps_its_id() -> None:
    h = PagingHarness()
    service = h.create_service("checkout")
    old = h.set_policy(service.id, [level("a@example.com")])

    new = h.set_policy(service.id, [level("b@example.com"), level("+15555550100")], repeat=1)

    assert new.id == old.id
    assert policies.get_policy(h.uow, service.id) == new


def test_an_invalid_policy_changes_nothing() -> None:
    h = PagingHarness()
    service = h.create_service("checkout")
    old = h.set_policy(service.id, [level("a@example.com")])

    with pytest.raises(InvalidPolicy):
        h.set_policy(service.id, [level("not an address")])

    assert policies.get_policy(h.uow, service.id) == old


def test_a_policy_needs_an_existing_service() -> None:
    h = PagingHarness()

    with pytest.raises(NotFound):
        h.set_policy(uuid4(), [level("a@example.com")])
    with pytest.raises(NotFound, match="service"):
        policies.get_policy(h.uow, uuid4())


def test_reading_the_policy_of_a_service_without_one_is_not_found() -> None:
    h = PagingHarness()
    service = h.create_service("checkout")

    with pytest.raises(NotFound) as caught:
        policies.get_policy(h.uow, service.id)

    assert caught.value.kind == "escalation policy of service"
    assert caught.value.ident == service.id
