"""Races on one store: threads released together by a barrier, one unit of work each.

The in-memory store serializes transactions like SQLite's single writer; these tests check
that the use cases, run side by side, still keep the promises: one incident per service, one
page per target, nobody paged after an acknowledge, no page sent twice by two dispatchers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.domain.alert import AlertStatus
from pagerd.domain.channels import Channel
from pagerd.service_layer import alerts
from pagerd.service_layer.delivery import deliver_due_pages
from pagerd.service_layer.timers import fire_next_due_timer
from pagerd.testing import RecordingSender
from pagerd.testing.harness import PagingHarness, level

T = TypeVar("T")
ROUNDS = 10  # interleavings vary between rounds; each round is a few milliseconds


def _race(*jobs: Callable[[InMemoryUnitOfWork], T], store: InMemoryStore) -> list[T]:
    """Run each job in its own thread with its own unit of work, all released at once."""
    barrier = threading.Barrier(len(jobs))
    results: list[T | None] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[InMemoryUnitOfWork], T]) -> None:
        uow = InMemoryUnitOfWork(store)
        barrier.wait()
        try:
            results[index] = job(uow)
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    return [r for r in results if r is not None]


def _service(h: PagingHarness, name: str = "api") -> UUID:
    service = h.create_service(name)
    h.set_policy(
        service.id,
        [level("a@example.com", "+15555550100", timeout=60), level("b@example.com")],
    )
    return service.id


def _items(h: PagingHarness) -> list[tuple[str, UUID]]:
    """(address, alert) of every notification sent, however they were grouped."""
    return sorted((p.address, i.alert_id) for p in h.pages() for i in p.items)


def _two_alerts_race() -> None:
    h = PagingHarness()
    service_id = _service(h)

    def receive(uow: InMemoryUnitOfWork, key: str) -> alerts.ReceivedAlert:
        return alerts.receive_alert(uow, h.clock, service_id, f"alert {key}", key)

    received = _race(
        lambda uow: receive(uow, "one"), lambda uow: receive(uow, "two"), store=h.store
    )
    h.run_workers()

    assert sorted(r.deduplicated for r in received) == [False, True]
    assert len({r.alert.id for r in received}) == 1
    (incident,) = h.store.state.alerts.values()
    assert sorted(incident.dedup_keys) == ["one", "two"]
    assert sorted(h.paged_addresses()) == ["+15555550100", "a@example.com"]
    assert len(h.store.state.notifications) == 2


def test_two_alerts_at_the_same_moment_open_one_incident_and_page_each_target_once() -> None:
    for _ in range(ROUNDS):
        _two_alerts_race()


def test_many_alerts_for_two_services_at_once_open_one_incident_each() -> None:
    h = PagingHarness()
    first, second = _service(h, "api"), _service(h, "db")
    jobs = [
        (lambda uow, s=service, n=n: alerts.receive_alert(uow, h.clock, s, "down", f"k{n}"))
        for n, service in enumerate([first, second] * 4)
    ]

    received = _race(*jobs, store=h.store)
    h.run_workers()

    incidents = {r.alert.monitored_service_id: r.alert.id for r in received if not r.deduplicated}
    assert set(incidents) == {first, second}
    assert len(h.store.state.alerts) == 2
    assert _items(h) == sorted(
        (address, alert_id)
        for alert_id in incidents.values()
        for address in ("+15555550100", "a@example.com")
    )


def _ack_against_timer_race() -> None:
    h = PagingHarness()
    service_id = _service(h)
    alert = h.alert(service_id)
    h.run_workers()
    h.clock.advance(60)

    _race(
        lambda uow: alerts.acknowledge(uow, h.clock, alert.id, "alice"),
        lambda uow: fire_next_due_timer(uow, h.clock),
        store=h.store,
    )
    h.advance(3600)

    assert sorted(h.paged_addresses()) == ["+15555550100", "a@example.com"]
    assert h.get_alert(alert.id).status is AlertStatus.ACKNOWLEDGED
    assert h.armed_timer(alert.id) is None


def test_an_acknowledge_racing_the_timer_leaves_the_next_level_unpaged() -> None:
    for _ in range(ROUNDS):
        _ack_against_timer_race()


def _two_dispatchers_race() -> None:
    h = PagingHarness()
    service_id = _service(h)
    h.alert(service_id)
    senders = {channel: RecordingSender() for channel in Channel}

    def dispatch(uow: InMemoryUnitOfWork, worker: str) -> int:
        return deliver_due_pages(uow, h.clock, senders, worker, lambda: 0.0)

    sent = _race(lambda uow: dispatch(uow, "one"), lambda uow: dispatch(uow, "two"), store=h.store)

    assert sum(sent) == 2
    assert senders[Channel.EMAIL].addresses == ["a@example.com"]
    assert senders[Channel.SMS].addresses == ["+15555550100"]


def test_two_dispatchers_at_the_same_moment_send_each_page_once() -> None:
    for _ in range(ROUNDS):
        _two_dispatchers_race()
