"""The repositories' contract, on the in-memory reference, SQLite and PostgreSQL.

Every test runs on each backend (`make_uow`); the in-memory adapter defines the semantics
the SQL ones must match.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

import pytest

from pagerd.domain.accounts import ApiToken, User
from pagerd.domain.ack_code import AckCode
from pagerd.domain.alert import AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.service import ServiceStatus
from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork
from pagerd.testing.signal import RecordingSignal
from tests.integration.conftest import (
    T0,
    UowFactory,
    alert,
    at,
    notification,
    policy,
    service,
    timer,
)


def _commit(make_uow: UowFactory, change: Callable[[UnitOfWork], object]) -> None:
    with make_uow(None) as uow:
        change(uow)
        uow.commit()


def _stored_service(make_uow: UowFactory, name: str = "checkout"):
    s = service(name)
    uow = make_uow(None)
    with uow:
        uow.services.add(s)
        uow.commit()
    return s


def _stored_alert(make_uow: UowFactory, name: str = "checkout", created=T0):
    s = _stored_service(make_uow, name)
    a = alert(s.id, created, EscalationPlan.freeze(policy(s.id)))
    uow = make_uow(None)
    with uow:
        uow.alerts.add(a)
        uow.commit()
    return a


# Services and policies


def test_a_service_reads_back_by_id_name_and_integration_key(make_uow: UowFactory) -> None:
    s = _stored_service(make_uow)

    with make_uow(None) as uow:
        assert uow.services.get(s.id) == s
        assert uow.services.get_for_update(s.id) == s
        assert uow.services.get_by_name("checkout") == s
        assert uow.services.get_by_integration_key(s.integration_key) == s
        assert uow.services.get(uuid4()) is None
        assert uow.services.get_by_name("nope") is None


def test_a_service_update_and_delete_are_kept(make_uow: UowFactory) -> None:
    s = _stored_service(make_uow)
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
    first = _stored_service(make_uow)
    second = service("other")
    setattr(second, clash, getattr(first, clash))

    with pytest.raises(ConcurrencyConflict):
        _commit(make_uow, lambda uow: uow.services.add(second))

    with make_uow(None) as uow:
        assert uow.services.get(second.id) is None


def test_a_policy_round_trips_and_saving_again_replaces_it(make_uow: UowFactory) -> None:
    s = _stored_service(make_uow)
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
    a = _stored_alert(make_uow)

    with make_uow(None) as uow:
        assert uow.alerts.get(a.id) == a
        assert uow.alerts.get_for_update(a.id) == a
        assert uow.alerts.get_active_for_service(a.monitored_service_id) == a


def test_an_alert_without_a_plan_round_trips(make_uow: UowFactory) -> None:
    s = _stored_service(make_uow)
    a = alert(s.id, plan=None)
    with make_uow(None) as uow:
        uow.alerts.add(a)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.alerts.get(a.id) == a


def test_alert_updates_keep_status_level_and_dedup_key_changes(make_uow: UowFactory) -> None:
    a = _stored_alert(make_uow)
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


def test_a_resolved_alert_is_not_the_active_one(make_uow: UowFactory) -> None:
    a = _stored_alert(make_uow)
    a.resolve("healthy", at(5))
    with make_uow(None) as uow:
        uow.alerts.update(a)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.alerts.get_active_for_service(a.monitored_service_id) is None
        assert uow.alerts.get(a.id).resolved_at == at(5)


def test_a_second_active_alert_for_a_service_conflicts(make_uow: UowFactory) -> None:
    first = _stored_alert(make_uow)
    second = alert(first.monitored_service_id, at(1))

    with pytest.raises(ConcurrencyConflict):
        _commit(make_uow, lambda uow: uow.alerts.add(second))

    with make_uow(None) as uow:
        assert uow.alerts.get(second.id) is None


def test_a_new_alert_may_open_once_the_previous_one_is_resolved(make_uow: UowFactory) -> None:
    first = _stored_alert(make_uow)
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
        a = _stored_alert(make_uow, f"s{i}", created=at(i))
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
    a = _stored_alert(make_uow)
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


# Timers


def test_arming_replaces_the_alerts_previous_timer(make_uow: UowFactory) -> None:
    a = _stored_alert(make_uow)
    second = timer(a.id, at(600), level=1)
    with make_uow(None) as uow:
        uow.timers.arm(timer(a.id, at(300)))
        uow.timers.arm(second)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timers.pending_for_alert(a.id) == second
        assert uow.timers.count() == 1
        assert uow.timers.next_due_at() == at(600)


def test_the_earliest_due_timer_is_claimed_and_removed_once(make_uow: UowFactory) -> None:
    early, late = _stored_alert(make_uow, "a"), _stored_alert(make_uow, "b")
    first, second = timer(early.id, at(100)), timer(late.id, at(200))
    with make_uow(None) as uow:
        uow.timers.arm(second)
        uow.timers.arm(first)
        uow.commit()

    with make_uow(None) as uow:
        assert uow.timers.claim_next_due(at(99)) is None
        assert uow.timers.claim_next_due(at(250)) == first
        assert uow.timers.remove(first.id) is True
        assert uow.timers.remove(first.id) is False
        uow.commit()
    with make_uow(None) as uow:
        assert uow.timers.claim_next_due(at(250)) == second


def test_cancelling_an_alerts_timer_leaves_none(make_uow: UowFactory) -> None:
    a = _stored_alert(make_uow)
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
    a = _stored_alert(make_uow)
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


def test_a_second_page_for_the_same_alert_level_pass_and_target_conflicts(
    make_uow: UowFactory,
) -> None:
    a = _stored_alert(make_uow)
    page = notification(a)
    with make_uow(None) as uow:
        uow.outbox.add(page)
        uow.commit()
    twin = notification(a)
    twin.target_id = page.target_id

    with pytest.raises(ConcurrencyConflict):
        _commit(make_uow, lambda uow: uow.outbox.add(twin))


def test_a_leased_page_is_claimable_again_only_when_its_lease_expires(
    make_uow: UowFactory,
) -> None:
    a = _stored_alert(make_uow)
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
    a = _stored_alert(make_uow)
    page = notification(a)
    with make_uow(None) as uow:
        uow.outbox.add(page)
        uow.outbox.claim_due(T0, 10, "w1", at(60))
        uow.outbox.release(page.id)
        uow.commit()
    with make_uow(None) as uow:
        assert not uow.outbox.is_claimed_by(page.id, "w1")
        assert [n.id for n in uow.outbox.claim_due(T0, 10, "w2", at(60))] == [page.id]


def test_claims_take_due_pending_pages_oldest_first_up_to_the_limit(
    make_uow: UowFactory,
) -> None:
    a = _stored_alert(make_uow)
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
    a = _stored_alert(make_uow)
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
    a = _stored_alert(make_uow)
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


# Accounts, settings, dev outbox, codes


def test_tokens_are_found_by_hash_listed_and_revoked(make_uow: UowFactory) -> None:
    token = ApiToken(uuid4(), "ci", "h" * 64, T0)
    with make_uow(None) as uow:
        uow.tokens.add(token)
        uow.commit()
    token.revoked_at = at(1)
    with make_uow(None) as uow:
        uow.tokens.update(token)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.tokens.get_by_hash("h" * 64) == token
        assert uow.tokens.get(token.id) == token
        assert uow.tokens.list() == [token]
        assert uow.tokens.get_by_hash("x") is None


def test_a_token_with_a_taken_hash_conflicts(make_uow: UowFactory) -> None:
    with make_uow(None) as uow:
        uow.tokens.add(ApiToken(uuid4(), "a", "same", T0))
        uow.commit()
    with pytest.raises(ConcurrencyConflict):
        _commit(make_uow, lambda uow: uow.tokens.add(ApiToken(uuid4(), "b", "same", T0)))


def test_users_are_found_by_username_and_usernames_are_unique(make_uow: UowFactory) -> None:
    user = User(uuid4(), "alice", "argon2-hash", T0)
    with make_uow(None) as uow:
        uow.users.add(user)
        uow.commit()
    user.password_hash = "new-hash"
    with make_uow(None) as uow:
        uow.users.update(user)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.users.get_by_username("alice") == user
        assert uow.users.get(user.id) == user
        assert uow.users.list() == [user]
    with pytest.raises(ConcurrencyConflict):
        _commit(make_uow, lambda uow: uow.users.add(User(uuid4(), "alice", "other", T0)))


def test_a_setting_is_stored_once_and_the_first_value_wins(make_uow: UowFactory) -> None:
    with make_uow(None) as uow:
        assert uow.settings.get("secret_key") is None
        assert uow.settings.put_if_absent("secret_key", "first") == "first"
        uow.commit()
    with make_uow(None) as uow:
        assert uow.settings.put_if_absent("secret_key", "second") == "first"
        assert uow.settings.get("secret_key") == "first"


def test_the_dev_outbox_pages_newest_first(make_uow: UowFactory) -> None:
    messages = [
        DevMessage(uuid4(), Channel.EMAIL, "a@example.com", f"s{i}", "body", uuid4(), at(i))
        for i in range(3)
    ]
    with make_uow(None) as uow:
        for message in messages:
            uow.dev_outbox.add(message)
        uow.commit()
    with make_uow(None) as uow:
        first = uow.dev_outbox.list(limit=2)
        rest = uow.dev_outbox.list(limit=2, after=(first[-1].created_at, first[-1].id))
    assert first + rest == messages[::-1]


def test_ack_codes_are_found_until_they_expire(make_uow: UowFactory) -> None:
    a = _stored_alert(make_uow)
    code = AckCode("4821", a.id, "+5492664295169", T0, at(3600))
    with make_uow(None) as uow:
        uow.ack_codes.add(code)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.ack_codes.find("4821", at(10)) == code
        assert uow.ack_codes.find_for(a.id, "+5492664295169", at(10)) == code
        assert uow.ack_codes.find("4821", at(3600)) is None
        assert uow.ack_codes.find_for(a.id, "+10000000000", at(10)) is None


# The unit of work


def test_leaving_without_commit_keeps_nothing(make_uow: UowFactory) -> None:
    s = service()
    with make_uow(None) as uow:
        uow.services.add(s)
    with make_uow(None) as uow:
        assert uow.services.get(s.id) is None


def test_rollback_drops_only_what_came_after_the_last_commit(make_uow: UowFactory) -> None:
    kept, dropped, also_dropped = service("kept"), service("dropped"), service("also")
    with make_uow(None) as uow:
        uow.services.add(kept)
        uow.commit()
        uow.services.add(dropped)
        uow.rollback()
        uow.services.add(also_dropped)
    with make_uow(None) as uow:
        assert [s.name for s in uow.services.list(limit=10)] == ["kept"]


def test_an_exception_inside_the_block_rolls_back(make_uow: UowFactory) -> None:
    s = service()

    def add_then_fail(uow: UnitOfWork) -> None:
        uow.services.add(s)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _commit(make_uow, add_then_fail)
    with make_uow(None) as uow:
        assert uow.services.get(s.id) is None


def test_the_signal_rings_after_committing_due_work_only(make_uow: UowFactory) -> None:
    a = _stored_alert(make_uow)
    signal = RecordingSignal()
    uow = make_uow(signal)
    with uow:
        uow.services.add(service("quiet"))
        uow.commit()
    with uow:
        uow.timers.arm(timer(a.id, at(300)))
    assert signal.count == 0
    with uow:
        uow.timers.arm(timer(a.id, at(300)))
        uow.commit()
    assert signal.count == 1


def test_times_come_back_aware_in_utc_to_the_microsecond(make_uow: UowFactory) -> None:
    created = T0 + timedelta(microseconds=123456)
    s = service(created=created)
    with make_uow(None) as uow:
        uow.services.add(s)
        uow.commit()
    with make_uow(None) as uow:
        stored = uow.services.get(s.id)
    assert stored.created_at == created
    assert stored.created_at.utcoffset() == timedelta(0)
