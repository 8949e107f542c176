"""The repositories' contract (services, policies, alerts): in memory, SQLite, PostgreSQL.

Every test runs on each backend (`make_uow`); the in-memory adapter defines the semantics
the SQL ones must match.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from uuid import uuid4

import pytest

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.service import ServiceStatus
from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork, WorkSignal
from tests.integration.conftest import (
    T0,
    UowFactory,
    alert,
    at,
    commit_change,
    engine_with_schema,
    notification,
    policy,
    service,
    stored_alert,
    stored_service,
    timer,
)

# Services and policies


def test_a_service_reads_back_by_id_name_and_integration_key(make_uow: UowFactory) -> None:
    s = stored_service(make_uow)

    with make_uow(None) as uow:
        assert uow.services.get(s.id) == s
        assert uow.services.get_for_update(s.id) == s
        assert uow.services.get_by_name("checkout") == s
        assert uow.services.get_by_integration_key(s.integration_key) == s
        assert uow.services.get(uuid4()) is None
        assert uow.services.get_by_name("nope") is None


def test_a_service_update_and_delete_are_kept(make_uow: UowFactory) -> None:
    s = stored_service(make_uow)
    s.mark_unhealthy()
    with make_uow(None) as uow:
        uow.services.update(s)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.services.get(s.id).status is ServiceStatus.UNHEALTHY
        uow.services.delete(s.id)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.services.get(s.id) is None


def test_services_page_oldest_first_with_ties_broken_by_id(make_uow: UowFactory) -> None:
    made = [service(f"s{i}", at(i // 2)) for i in range(5)]  # pairs share a time
    with make_uow(None) as uow:
        for s in made:
            uow.services.add(s)
        uow.commit()
    expected = sorted(made, key=lambda s: (s.created_at, str(s.id)))

    with make_uow(None) as uow:
        first = uow.services.list(limit=2)
        second = uow.services.list(limit=2, after=(first[-1].created_at, first[-1].id))
        rest = uow.services.list(limit=10, after=(second[-1].created_at, second[-1].id))

    assert first + second + rest == expected


@pytest.mark.parametrize("clash", ["name", "integration_key"])
def test_a_second_service_with_a_taken_name_or_key_conflicts(
    make_uow: UowFactory, clash: str
) -> None:
    first = stored_service(make_uow)
    second = service("other")
    setattr(second, clash, getattr(first, clash))

    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.services.add(second))

    with make_uow(None) as uow:
        assert uow.services.get(second.id) is None


def test_a_policy_round_trips_and_saving_again_replaces_it(make_uow: UowFactory) -> None:
    s = stored_service(make_uow)
    p = policy(s.id, repeat=2)
    with make_uow(None) as uow:
        uow.policies.save(p)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.policies.get_for_service(s.id) == p
    replacement = policy(s.id)
    with make_uow(None) as uow:
        uow.policies.save(replacement)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.policies.get_for_service(s.id) == replacement
        uow.policies.delete_for_service(s.id)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.policies.get_for_service(s.id) is None


# Alerts


def test_an_alert_round_trips_with_its_frozen_plan_and_dedup_keys(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)

    with make_uow(None) as uow:
        assert uow.alerts.get(a.id) == a
        assert uow.alerts.get_for_update(a.id) == a
        assert uow.alerts.get_active_for_service(a.monitored_service_id) == a
        assert uow.alerts.get_active_for_service_for_update(a.monitored_service_id) == a


def test_several_alerts_are_read_for_update_with_their_keys_in_one_call(
    make_uow: UowFactory,
) -> None:
    a, b = stored_alert(make_uow, "a"), stored_alert(make_uow, "b")
    with make_uow(None) as uow:
        loaded = uow.alerts.get_for_update(b.id)
        loaded.join("again", "k2", at(1))
        loaded.events = []
        uow.alerts.update(loaded)
        uow.commit()

    with make_uow(None) as uow:
        assert uow.alerts.get_many_for_update([]) == {}
        assert uow.alerts.get_many_for_update([b.id, uuid4(), a.id, b.id]) == {
            a.id: a,
            b.id: loaded,
        }
        assert uow.alerts.get_many_for_update([a.id]) == {a.id: a}


def test_an_alert_without_a_plan_round_trips(make_uow: UowFactory) -> None:
    s = stored_service(make_uow)
    a = alert(s.id, plan=None)
    with make_uow(None) as uow:
        uow.alerts.add(a)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.alerts.get(a.id) == a


def test_alert_updates_keep_status_level_and_dedup_key_changes(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    with make_uow(None) as uow:
        loaded = uow.alerts.get_for_update(a.id)
        loaded.join("again", "k2", at(1))
        loaded.join("again", "k3", at(2))
        loaded.resolve_dedup_key("k1", at(3))
        loaded.acknowledge("alice", at(4))
        loaded.events = []
        uow.alerts.update(loaded)
        uow.commit()

    with make_uow(None) as uow:
        stored = uow.alerts.get(a.id)
    assert stored == loaded
    assert stored.dedup_keys == ["k2", "k3"]
    assert stored.status is AlertStatus.ACKNOWLEDGED
    assert stored.acknowledged_by == "alice"


def test_joins_and_key_resolutions_in_successive_transactions_keep_the_keys_in_order(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    steps = [
        lambda alert: alert.join("again", "k2", at(1)),
        lambda alert: alert.join("again", "k3", at(2)),
        lambda alert: alert.resolve_dedup_key("k2", at(3)),
        lambda alert: alert.join("again", "k4", at(4)),
    ]
    for step in steps:
        with make_uow(None) as uow:
            loaded = uow.alerts.get_for_update(a.id)
            step(loaded)
            loaded.events = []
            uow.alerts.update(loaded)
            uow.alerts.update(loaded)  # a second update in the same transaction changes nothing
            uow.commit()

    with make_uow(None) as uow:
        assert uow.alerts.get(a.id).dedup_keys == ["k1", "k3", "k4"]


def test_a_resolved_alert_is_not_the_active_one(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    a.resolve("healthy", at(5))
    with make_uow(None) as uow:
        uow.alerts.update(a)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.alerts.get_active_for_service(a.monitored_service_id) is None
        assert uow.alerts.get(a.id).resolved_at == at(5)


def test_a_second_active_alert_for_a_service_conflicts(make_uow: UowFactory) -> None:
    first = stored_alert(make_uow)
    second = alert(first.monitored_service_id, at(1))

    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.alerts.add(second))

    with make_uow(None) as uow:
        assert uow.alerts.get(second.id) is None


def test_a_new_alert_may_open_once_the_previous_one_is_resolved(make_uow: UowFactory) -> None:
    first = stored_alert(make_uow)
    first.resolve("healthy", at(1))
    second = alert(first.monitored_service_id, at(2))
    with make_uow(None) as uow:
        uow.alerts.update(first)
        uow.alerts.add(second)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.alerts.get_active_for_service(first.monitored_service_id) == second


def test_alerts_list_newest_first_filtered_and_paged(make_uow: UowFactory) -> None:
    made = []
    for i in range(3):
        a = stored_alert(make_uow, f"s{i}", created=at(i))
        made.append(a)
    made[0].resolve("healthy", at(10))
    with make_uow(None) as uow:
        uow.alerts.update(made[0])
        uow.commit()

    with make_uow(None) as uow:
        everything = uow.alerts.list(limit=10)
        first = uow.alerts.list(limit=1)
        after = uow.alerts.list(limit=10, after=(first[0].created_at, first[0].id))
        open_ones = uow.alerts.list(limit=10, status=AlertStatus.OPEN)
        of_service = uow.alerts.list(limit=10, service_id=made[1].monitored_service_id)

    assert [a.id for a in everything] == [made[2].id, made[1].id, made[0].id]
    assert [a.id for a in first + after] == [a.id for a in everything]
    assert [a.id for a in open_ones] == [made[2].id, made[1].id]
    assert [a.id for a in of_service] == [made[1].id]


def test_deleting_a_services_alerts_removes_their_timers_pages_and_timeline(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    with make_uow(None) as uow:
        uow.timers.arm(timer(a.id, at(300)))
        uow.outbox.add(notification(a))
        uow.timeline.append(TimelineEntry(a.id, T0, "opened", {"message": "down"}))
        uow.commit()

    with make_uow(None) as uow:
        uow.alerts.delete_for_service(a.monitored_service_id)
        uow.commit()

    with make_uow(None) as uow:
        assert uow.alerts.get(a.id) is None
        assert uow.timers.count() == 0
        assert uow.outbox.list_for_alert(a.id) == []
        assert uow.timeline.list_for_alert(a.id) == []


# PostgreSQL: reading the active alert locked while another transaction holds it


def _read_active_locked_behind(postgres_url: str, change: Callable[[Alert], None]) -> Alert | None:
    """Hold the alert locked, `change` it, and commit once another transaction is waiting
    for it in get_active_for_service_for_update; return what that transaction read."""
    engine = engine_with_schema(postgres_url)

    def make(signal: WorkSignal | None = None) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, signal)

    try:
        a = stored_alert(make)
        read: list[Alert | None] = []

        def reader() -> None:
            with make() as uow:
                read.append(uow.alerts.get_active_for_service_for_update(a.monitored_service_id))

        with make() as holder:
            held = holder.alerts.get_for_update(a.id)
            assert held is not None
            thread = threading.Thread(target=reader)
            thread.start()
            thread.join(0.5)
            assert thread.is_alive()  # waiting for the lock
            change(held)
            held.events = []
            holder.alerts.update(held)
            holder.commit()
        thread.join(10)
        return read[0]
    finally:
        engine.dispose()


def test_an_alert_acknowledged_while_waiting_for_its_lock_is_read_as_committed(
    postgres_url: str,
) -> None:
    read = _read_active_locked_behind(postgres_url, lambda a: a.acknowledge("alice", at(5)))
    assert read is not None
    assert read.status is AlertStatus.ACKNOWLEDGED


def test_an_alert_resolved_while_waiting_for_its_lock_is_no_longer_the_active_one(
    postgres_url: str,
) -> None:
    assert _read_active_locked_behind(postgres_url, lambda a: a.resolve("ok", at(5))) is None


def test_several_alerts_update_together_keys_included(make_uow: UowFactory) -> None:
    first, second = stored_alert(make_uow, "checkout"), stored_alert(make_uow, "search")
    with make_uow(None) as uow:
        loaded = uow.alerts.get_many_for_update([first.id, second.id])
        loaded[first.id].acknowledge("alice", at(1))
        loaded[second.id].join("again", "k2", at(2))
        uow.alerts.update_many([loaded[first.id], loaded[second.id]])
        uow.alerts.update_many([])  # nothing to write
        uow.commit()

    with make_uow(None) as uow:
        acknowledged, joined = uow.alerts.get(first.id), uow.alerts.get(second.id)
    assert acknowledged is not None
    assert joined is not None
    assert (acknowledged.status, acknowledged.acknowledged_by) == (
        AlertStatus.ACKNOWLEDGED,
        "alice",
    )
    assert joined.dedup_keys == ["k1", "k2"]


def test_the_timers_of_several_alerts_are_cancelled_together(make_uow: UowFactory) -> None:
    first, second, kept = (stored_alert(make_uow, name) for name in ("a", "b", "c"))
    commit_change(
        make_uow,
        lambda uow: [uow.timers.arm(timer(a.id, at(60))) for a in (first, second, kept)],
    )

    commit_change(make_uow, lambda uow: uow.timers.cancel_for_alerts([first.id, second.id]))
    commit_change(make_uow, lambda uow: uow.timers.cancel_for_alerts([]))

    with make_uow(None) as uow:
        left = [uow.timers.pending_for_alert(a.id) for a in (first, second, kept)]
    assert [t is not None for t in left] == [False, False, True]
