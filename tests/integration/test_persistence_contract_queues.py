"""The repositories' contract (timers, outbox, timelines): in memory, SQLite, PostgreSQL.

Every test runs on each backend (`make_uow`); the in-memory adapter defines the semantics
the SQL ones must match.
"""

from __future__ import annotations

import pytest

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.timer import AckTimer
from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork, WorkSignal
from pagerd.testing import RecordingSignal
from tests.integration.conftest import (
    T0,
    UowFactory,
    at,
    commit_change,
    engine_with_schema,
    notification,
    stored_alert,
    timer,
)

# Timers


def _arm_all(uow: UnitOfWork, armed: list[AckTimer]) -> None:
    for armed_timer in armed:
        uow.timers.arm(armed_timer)


def test_arming_replaces_the_alerts_previous_timer(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    second = timer(a.id, at(600), level=1)
    with make_uow(None) as uow:
        uow.timers.arm(timer(a.id, at(300)))
        uow.timers.arm(second)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timers.pending_for_alert(a.id) == second
        assert uow.timers.count() == 1
        assert uow.timers.next_due_at() == at(600)


def test_arming_over_a_committed_timer_replaces_it_in_place(make_uow: UowFactory) -> None:
    a, other = stored_alert(make_uow, "a"), stored_alert(make_uow, "b")
    first, kept = timer(a.id, at(300)), timer(other.id, at(900))
    commit_change(make_uow, lambda uow: _arm_all(uow, [first, kept]))
    second = timer(a.id, at(600), level=1)
    commit_change(make_uow, lambda uow: uow.timers.arm(second))

    with make_uow(None) as uow:
        assert uow.timers.pending_for_alert(a.id) == second
        assert uow.timers.pending_for_alert(other.id) == kept
        assert uow.timers.count() == 2
        # The replacement is the timer that fires, under its own id.
        assert uow.timers.claim_due(at(700), 10) == [second]
        assert uow.timers.remove_fired([first.id, second.id]) == {second.id}


def test_the_earliest_due_timer_is_claimed_and_removed_once(make_uow: UowFactory) -> None:
    early, late = stored_alert(make_uow, "a"), stored_alert(make_uow, "b")
    first, second = timer(early.id, at(100)), timer(late.id, at(200))
    with make_uow(None) as uow:
        uow.timers.arm(second)
        uow.timers.arm(first)
        uow.commit()

    with make_uow(None) as uow:
        assert uow.timers.claim_due(at(99), 1) == []
        assert uow.timers.claim_due(at(250), 1) == [first]
        assert uow.timers.remove_fired([first.id]) == {first.id}
        assert uow.timers.remove_fired([first.id]) == set()
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timers.claim_due(at(250), 1) == [second]


def test_due_timers_are_claimed_earliest_first_up_to_the_limit(make_uow: UowFactory) -> None:
    alerts = [stored_alert(make_uow, f"s{i}") for i in range(4)]
    armed = [timer(a.id, at(due)) for a, due in zip(alerts, (300, 100, 200, 900), strict=True)]
    commit_change(make_uow, lambda uow: _arm_all(uow, armed))

    with make_uow(None) as uow:
        assert uow.timers.claim_due(at(50), 10) == []
        assert uow.timers.claim_due(at(500), 2) == [armed[1], armed[2]]
        assert uow.timers.claim_due(at(500), 10) == [armed[1], armed[2], armed[0]]


def test_removing_fired_timers_returns_only_the_ones_this_call_deleted(
    make_uow: UowFactory,
) -> None:
    a, b = stored_alert(make_uow, "a"), stored_alert(make_uow, "b")
    ta, tb = timer(a.id, at(100)), timer(b.id, at(100))
    commit_change(make_uow, lambda uow: _arm_all(uow, [ta, tb]))
    # Another transaction fired `ta` first and committed.
    commit_change(make_uow, lambda uow: uow.timers.remove_fired([ta.id]))

    with make_uow(None) as uow:
        assert uow.timers.remove_fired([]) == set()
        assert uow.timers.remove_fired([ta.id, tb.id]) == {tb.id}
        assert uow.timers.remove_fired([ta.id, tb.id]) == set()
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timers.count() == 0


def test_cancelling_an_alerts_timer_leaves_none(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    with make_uow(None) as uow:
        uow.timers.arm(timer(a.id, at(300)))
        uow.commit()
    with make_uow(None) as uow:
        uow.timers.cancel_for_alert(a.id)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timers.pending_for_alert(a.id) is None
        assert uow.timers.next_due_at() is None


# Notifications


def test_notifications_round_trip_in_creation_order_and_by_level(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    first, second = notification(a, created=at(1)), notification(a, created=at(2), level=1)
    with make_uow(None) as uow:
        uow.outbox.add(second)
        uow.outbox.add(first)
        uow.commit()
    first.failed_transiently("timeout", at(3), jitter=0.5)
    with make_uow(None) as uow:
        uow.outbox.update(first)
        uow.commit()

    with make_uow(None) as uow:
        assert uow.outbox.get(first.id) == first
        assert uow.outbox.list_for_alert(a.id) == [first, second]
        assert uow.outbox.list_for_level(a.id, 1, 0) == [second]


def test_pages_added_together_round_trip_and_ring_the_signal(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    pages = [notification(a, created=at(2)), notification(a), notification(a, level=1)]
    signal = RecordingSignal()
    uow = make_uow(signal)
    with uow:
        uow.outbox.add_many([])
        uow.commit()
    assert signal.count == 0
    with uow:
        uow.outbox.add_many(pages)
        uow.commit()
    assert signal.count == 1

    with make_uow(None) as uow:
        oldest_first = sorted(pages, key=lambda n: (n.created_at, str(n.id)))
        assert uow.outbox.list_for_alert(a.id) == oldest_first
        assert uow.outbox.count_pending() == 3


def test_a_twin_among_pages_added_together_conflicts(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    page, twin = notification(a), notification(a)
    twin.target_id = page.target_id

    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.outbox.add_many([page, twin]))
    with make_uow(None) as uow:
        assert uow.outbox.list_for_alert(a.id) == []


def test_a_second_page_for_the_same_alert_level_pass_and_target_conflicts(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    page = notification(a)
    with make_uow(None) as uow:
        uow.outbox.add(page)
        uow.commit()
    twin = notification(a)
    twin.target_id = page.target_id

    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.outbox.add(twin))


def test_a_leased_page_is_claimable_again_only_when_its_lease_expires(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    page = notification(a)
    with make_uow(None) as uow:
        uow.outbox.add(page)
        uow.commit()

    with make_uow(None) as uow:
        assert [n.id for n in uow.outbox.claim_due(T0, 10, "w1", at(60))] == [page.id]
        uow.commit()
    with make_uow(None) as uow:
        assert uow.outbox.claim_due(at(59), 10, "w2", at(120)) == []
        assert uow.outbox.is_claimed_by(page.id, "w1")
        assert [n.id for n in uow.outbox.claim_due(at(60), 10, "w2", at(120))] == [page.id]
        uow.commit()
    with make_uow(None) as uow:
        assert uow.outbox.is_claimed_by(page.id, "w2")
        assert not uow.outbox.is_claimed_by(page.id, "w1")


def test_a_released_page_is_claimable_at_once(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    page = notification(a)
    with make_uow(None) as uow:
        uow.outbox.add(page)
        uow.outbox.claim_due(T0, 10, "w1", at(60))
        uow.outbox.release(page.id)
        uow.commit()
    with make_uow(None) as uow:
        assert not uow.outbox.is_claimed_by(page.id, "w1")
        assert [n.id for n in uow.outbox.claim_due(T0, 10, "w2", at(60))] == [page.id]


def test_several_pages_are_read_by_id_in_one_call(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    pages = [notification(a), notification(a, level=1)]
    commit_change(make_uow, lambda uow: uow.outbox.add_many(pages))
    gone = notification(a).id

    with make_uow(None) as uow:
        assert uow.outbox.get_many([]) == {}
        assert uow.outbox.get_many([pages[1].id, gone, pages[0].id, pages[1].id]) == {
            pages[0].id: pages[0],
            pages[1].id: pages[1],
        }


def test_an_update_that_releases_stores_the_outcome_and_drops_the_lease(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    kept, released = notification(a), notification(a, level=1)
    commit_change(make_uow, lambda uow: uow.outbox.add_many([kept, released]))
    with make_uow(None) as uow:
        assert len(uow.outbox.claim_due(T0, 10, "w1", at(60))) == 2
        uow.commit()
    kept.failed_transiently("timeout", at(1), jitter=0.5)
    released.delivered(at(1))
    with make_uow(None) as uow:
        uow.outbox.update(kept)
        uow.outbox.update(released, release=True)
        uow.commit()

    with make_uow(None) as uow:
        assert uow.outbox.get_many([kept.id, released.id]) == {
            kept.id: kept,
            released.id: released,
        }
        assert uow.outbox.is_claimed_by(kept.id, "w1")
        assert not uow.outbox.is_claimed_by(released.id, "w1")


def test_pages_updated_together_keep_or_drop_their_leases(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    pages = [notification(a, level=level) for level in range(4)]
    commit_change(make_uow, lambda uow: uow.outbox.add_many(pages))
    with make_uow(None) as uow:
        uow.outbox.claim_due(T0, 10, "w1", at(60))
        uow.commit()
    for page in pages:
        page.failed_transiently("timeout", at(1), jitter=0.5)
    with make_uow(None) as uow:
        uow.outbox.update_many(pages[:2])
        uow.outbox.update_many(pages[2:], release=True)
        uow.outbox.update_many([], release=True)
        uow.commit()

    with make_uow(None) as uow:
        assert uow.outbox.list_for_alert(a.id) == sorted(
            pages, key=lambda n: (n.created_at, str(n.id))
        )
        held = [uow.outbox.is_claimed_by(page.id, "w1") for page in pages]
        assert held == [True, True, False, False]


def test_claims_take_due_pending_pages_oldest_first_up_to_the_limit(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    pages = [notification(a, created=at(i)) for i in range(4)]
    pages[3].next_attempt_at = at(100)  # retrying later
    pages[2].delivered(at(2))
    with make_uow(None) as uow:
        for page in pages:
            uow.outbox.add(page)
        uow.commit()

    with make_uow(None) as uow:
        claimed = uow.outbox.claim_due(at(10), 1, "w", at(500))
        more = uow.outbox.claim_due(at(10), 10, "w", at(500))
        later = uow.outbox.claim_due(at(100), 10, "w", at(500))

    assert [n.id for n in claimed] == [pages[0].id]
    assert [n.id for n in more] == [pages[1].id]
    assert [n.id for n in later] == [pages[3].id]


def test_cancelling_skips_pages_a_dispatcher_holds(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    held, free, sent = notification(a), notification(a, created=at(1)), notification(a)
    sent.delivered(T0)
    with make_uow(None) as uow:
        for page in (held, free, sent):
            uow.outbox.add(page)
        uow.commit()
    with make_uow(None) as uow:
        uow.outbox.claim_due(T0, 1, "w", at(60))  # takes `held`, the oldest due
        uow.commit()

    with make_uow(None) as uow:
        cancelled = uow.outbox.cancel_pending_for_alert(a.id)
        uow.commit()

    assert [n.id for n in cancelled] == [free.id]
    assert cancelled[0].status is NotificationStatus.CANCELLED
    with make_uow(None) as uow:
        assert uow.outbox.get(held.id).status is NotificationStatus.PENDING
        assert uow.outbox.get(free.id).status is NotificationStatus.CANCELLED
        assert uow.outbox.count_pending() == 1
        assert uow.outbox.next_attempt_at() == T0


# Timeline


def test_timeline_entries_come_back_oldest_first_in_insertion_order_for_equal_times(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    entries = [
        TimelineEntry(a.id, at(5), "acknowledged", {"by": "alice"}),
        TimelineEntry(a.id, T0, "opened", {"message": "down", "dedup_key": "k1"}),
        TimelineEntry(a.id, T0, "notified", {"level_id": 0, "target_ids": ["x", "y"]}),
    ]
    with make_uow(None) as uow:
        for entry in entries:
            uow.timeline.append(entry)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timeline.list_for_alert(a.id) == [entries[1], entries[2], entries[0]]


def test_timeline_entries_appended_together_keep_their_order_for_equal_times(
    make_uow: UowFactory,
) -> None:
    a = stored_alert(make_uow)
    single = TimelineEntry(a.id, T0, "opened", {"message": "down"})
    batch = [
        TimelineEntry(a.id, at(5), "acknowledged", {"by": "alice"}),
        *(TimelineEntry(a.id, T0, "notified", {"n": i}) for i in range(5)),
    ]
    with make_uow(None) as uow:
        uow.timeline.append(single)
        uow.timeline.append_many(batch)
        uow.timeline.append_many([])
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timeline.list_for_alert(a.id) == [single, *batch[1:], batch[0]]


# PostgreSQL: workers claiming timers at the same time


def test_a_claim_skips_timers_and_alerts_other_transactions_hold(postgres_url: str) -> None:
    engine = engine_with_schema(postgres_url)

    def make(signal: WorkSignal | None = None) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, signal)

    try:
        alerts = [stored_alert(make, f"s{i}") for i in range(4)]
        armed = [timer(a.id, at(100 + i)) for i, a in enumerate(alerts)]
        commit_change(make, lambda uow: _arm_all(uow, armed))

        with make() as first, make() as acknowledging, make() as second:
            assert first.timers.claim_due(at(500), 2) == armed[:2]
            # An acknowledge holds the third alert (and would delete its timer next).
            assert acknowledging.alerts.get_for_update(alerts[2].id) is not None
            assert second.timers.claim_due(at(500), 10) == [armed[3]]
            assert second.timers.remove_fired([armed[3].id]) == {armed[3].id}
    finally:
        engine.dispose()
