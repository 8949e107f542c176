"""Delivering pages through the outbox: retries, give-up, grouping, cancellation, leases."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from pagerd.adapters.memory import InMemoryUnitOfWork
from pagerd.domain.channels import Channel
from pagerd.domain.notification import MAX_ATTEMPTS, Notification, NotificationStatus
from pagerd.domain.worker_liveness import HEARTBEAT_PERIOD
from pagerd.service_layer.delivery import (
    claim_due_pages,
    claim_pages,
    record_deliveries,
    record_delivery,
    release_pages,
)
from pagerd.service_layer.paging import DeliveryOutcome, DeliveryResult
from pagerd.testing.harness import PagingHarness, level

SMS = "+15555550100"


def _pages_of(h: PagingHarness, alert_id: UUID) -> list[Notification]:
    with h.uow:
        return h.uow.outbox.list_for_alert(alert_id)


def _entries(h: PagingHarness, alert_id: UUID, *types: str) -> list[tuple[str, object]]:
    return [
        (e.type, e.details.get("attempts", e.details.get("level_id")))
        for e in h.timeline(alert_id)
        if e.type in types
    ]


def test_a_transient_failure_is_retried_with_backoff_until_delivered() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS)])
    h.senders[Channel.SMS].answer(DeliveryResult.transient("503"), DeliveryResult.transient("429"))
    alert = h.alert(service.id)
    start = h.clock.now()

    h.run_workers()
    (page,) = _pages_of(h, alert.id)
    assert (page.status, page.attempts, page.last_error) == ("pending", 1, "503")
    assert start + timedelta(seconds=2.5) <= page.next_attempt_at < start + timedelta(seconds=5)

    h.advance(5)
    (page,) = _pages_of(h, alert.id)
    assert (page.attempts, page.last_error) == (2, "429")
    assert page.next_attempt_at - h.clock.now() >= timedelta(seconds=5)

    h.advance(10)
    (page,) = _pages_of(h, alert.id)
    assert (page.status, page.attempts, page.last_error) == ("sent", 3, None)
    assert page.sent_at == h.clock.now()
    assert {p.idempotency_key for p in h.pages()} == {page.id}
    assert _entries(h, alert.id, "delivery_retry", "delivered") == [
        ("delivery_retry", 1),
        ("delivery_retry", 2),
        ("delivered", 3),
    ]


def test_delivery_gives_up_after_the_maximum_attempts_and_escalates_at_once() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS, timeout=3600), level("next@example.com")])
    h.senders[Channel.SMS].answer(*[DeliveryResult.transient("timeout")] * MAX_ATTEMPTS)
    alert = h.alert(service.id)
    start = h.clock.now()

    while h.pages(Channel.EMAIL) == []:
        h.advance(60)

    (page,) = _pages_of(h, alert.id)[:1]
    assert (page.status, page.attempts, page.last_error) == ("failed", MAX_ATTEMPTS, "timeout")
    assert len(h.pages(Channel.SMS)) == MAX_ATTEMPTS
    assert h.clock.now() - start < timedelta(seconds=3600)
    assert _entries(h, alert.id, "delivery_failed", "level_failed", "notified")[-3:] == [
        ("delivery_failed", MAX_ATTEMPTS),
        ("level_failed", 0),
        ("notified", 1),
    ]
    assert h.armed_timer(alert.id) == (1, 0)


def test_a_level_escalates_early_only_when_every_one_of_its_pages_failed_for_good() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS, "ops@example.com"), level("https://hooks.example.com/n")])
    h.senders[Channel.SMS].answer(DeliveryResult.permanent("21211 invalid 'To'"))
    h.senders[Channel.EMAIL].answer(
        DeliveryResult.transient("421 try later"), DeliveryResult.permanent("550 no such user")
    )
    alert = h.alert(service.id)

    h.run_workers()
    assert h.pages(Channel.WEBHOOK) == []
    assert h.armed_timer(alert.id) == (0, 0)

    h.advance(5)

    assert [p.address for p in h.pages(Channel.WEBHOOK)] == ["https://hooks.example.com/n"]
    assert h.armed_timer(alert.id) == (1, 0)
    failed = [p for p in _pages_of(h, alert.id) if p.status is NotificationStatus.FAILED]
    assert sorted(p.last_error or "" for p in failed) == ["21211 invalid 'To'", "550 no such user"]


def test_pages_for_the_same_address_go_out_as_one_message() -> None:
    h = PagingHarness()
    first, second = h.create_service("api"), h.create_service("db")
    h.set_policy(first.id, [level("alice@example.com", SMS)])
    h.set_policy(second.id, [level("alice@example.com")])
    alert_one = h.alert(first.id, "api down")
    h.clock.advance(1)  # no dispatcher ran in between
    alert_two = h.alert(second.id, "db down")

    h.run_workers()

    (email,) = h.pages(Channel.EMAIL)
    assert [(i.alert_id, i.service_name, i.message) for i in email.items] == [
        (alert_one.id, "api", "api down"),
        (alert_two.id, "db", "db down"),
    ]
    assert email.idempotency_key == email.items[0].notification_id
    assert [p.address for p in h.pages(Channel.SMS)] == [SMS]
    sent = _pages_of(h, alert_one.id) + _pages_of(h, alert_two.id)
    assert {p.status for p in sent} == {NotificationStatus.SENT}


def test_pages_of_an_alert_acknowledged_before_sending_are_cancelled() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("alice@example.com", SMS)])
    alert = h.alert(service.id)

    h.acknowledge(alert.id, by="alice")
    h.advance(60)

    assert h.pages() == []
    assert {p.status for p in _pages_of(h, alert.id)} == {NotificationStatus.CANCELLED}
    cancelled = [e for e in h.timeline(alert.id) if e.type == "notification_cancelled"]
    assert sorted(e.details["address"] for e in cancelled) == [SMS, "alice@example.com"]
    assert {e.at for e in cancelled} == {h.get_alert(alert.id).acknowledged_at}


def test_a_page_being_sent_during_acknowledge_is_not_retried_after_it_fails() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS)])
    alert = h.alert(service.id)
    (in_flight,) = claim_pages(h.uow, h.clock, "dispatcher-1")

    h.acknowledge(alert.id)
    record_delivery(h.uow, h.clock, in_flight, DeliveryResult.transient("timeout"), lambda: 0.0)
    h.advance(60)

    assert h.pages() == []
    (page,) = _pages_of(h, alert.id)
    assert (page.status, page.attempts) == (NotificationStatus.CANCELLED, 1)
    assert [e.type for e in h.timeline(alert.id)][-1] == "notification_cancelled"


def test_a_page_claimed_by_a_killed_dispatcher_is_sent_again_with_the_same_key() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS)])
    alert = h.alert(service.id)
    # "killed" has no liveness row (it never beat, or is gone): the engine's next beat,
    # one heartbeat period on, returns its claim long before the lease would run out.
    (lost,) = claim_pages(h.uow, h.clock, "killed", lease=timedelta(seconds=60))

    h.advance(HEARTBEAT_PERIOD.total_seconds())
    (resent,) = h.pages()
    record_delivery(h.uow, h.clock, lost, DeliveryResult.delivered(), lambda: 0.0)

    assert resent.idempotency_key == lost.idempotency_key
    (page,) = _pages_of(h, alert.id)
    assert (page.status, page.attempts) == (NotificationStatus.SENT, 1)
    assert _entries(h, alert.id, "delivered") == [("delivered", 1)]


def test_delivery_results_say_how_an_attempt_went() -> None:
    assert DeliveryResult.delivered() == DeliveryResult(DeliveryOutcome.DELIVERED, None)
    assert DeliveryResult.transient("503").outcome is DeliveryOutcome.TRANSIENT_FAILURE
    assert DeliveryResult.permanent("550") == DeliveryResult(
        DeliveryOutcome.PERMANENT_FAILURE, "550"
    )


def test_a_dispatcher_that_stops_gives_its_pages_back_at_once() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS)])
    h.alert(service.id)
    claimed = claim_pages(h.uow, h.clock, "stopping")

    assert release_pages(h.uow, "stopping", claimed) == 1
    h.run_workers()

    assert [p.idempotency_key for p in h.pages()] == [claimed[0].idempotency_key]


def test_a_dispatcher_whose_lease_expired_cannot_release_another_ones_claim() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS)])
    h.alert(service.id)
    stale = claim_pages(h.uow, h.clock, "slow", lease=timedelta(seconds=60))
    h.clock.advance(60)
    fresh = claim_pages(h.uow, h.clock, "fast")

    assert release_pages(h.uow, "slow", stale) == 0

    with h.uow:
        assert h.uow.outbox.is_claimed_by(fresh[0].items[0].notification_id, "fast")
    assert claim_pages(h.uow, h.clock, "third") == []


def test_a_late_failure_from_a_dispatcher_that_lost_its_lease_leaves_the_holder_alone() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS)])
    alert = h.alert(service.id)
    (stale,) = claim_pages(h.uow, h.clock, "slow", lease=timedelta(seconds=60))
    h.clock.advance(61)
    (held,) = claim_pages(h.uow, h.clock, "holder", lease=timedelta(seconds=60))

    record_delivery(
        h.uow, h.clock, stale, DeliveryResult.transient("timeout"), lambda: 0.0, worker_id="slow"
    )

    (page,) = _pages_of(h, alert.id)
    assert (page.status, page.attempts) == (NotificationStatus.PENDING, 0)
    with h.uow:
        assert h.uow.outbox.is_claimed_by(page.id, "holder")
    record_delivery(
        h.uow, h.clock, held, DeliveryResult.delivered(), lambda: 0.0, worker_id="holder"
    )
    (page,) = _pages_of(h, alert.id)
    assert (page.status, page.attempts) == (NotificationStatus.SENT, 1)


def test_a_delivery_is_recorded_even_after_the_lease_moved_to_another_dispatcher() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level(SMS)])
    alert = h.alert(service.id)
    (stale,) = claim_pages(h.uow, h.clock, "slow", lease=timedelta(seconds=60))
    h.clock.advance(61)
    claim_pages(h.uow, h.clock, "holder", lease=timedelta(seconds=60))

    record_delivery(
        h.uow, h.clock, stale, DeliveryResult.delivered(), lambda: 0.0, worker_id="slow"
    )

    (page,) = _pages_of(h, alert.id)
    assert page.status is NotificationStatus.SENT


class CommitCountingUnitOfWork(InMemoryUnitOfWork):
    """The in-memory unit of work, counting its commits."""

    commits = 0

    def commit(self) -> None:
        super().commit()
        self.commits += 1


def test_a_dispatch_cycle_records_every_outcome_in_one_commit() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com", "+15550001", "+15550002")])
    alert = h.alert(service.id)
    pages = claim_pages(h.uow, h.clock, "dispatcher")
    assert len(pages) == 3
    results = [
        DeliveryResult.delivered(),
        DeliveryResult.transient("timeout"),
        DeliveryResult.permanent("invalid number"),
    ]
    counting = CommitCountingUnitOfWork(h.store)

    record_deliveries(counting, h.clock, list(zip(pages, results, strict=True)), lambda: 0.0)

    assert counting.commits == 1
    statuses = {n.address: (n.status, n.attempts) for n in _pages_of(h, alert.id)}
    assert statuses == {
        pages[0].address: (NotificationStatus.SENT, 1),
        pages[1].address: (NotificationStatus.PENDING, 1),
        pages[2].address: (NotificationStatus.FAILED, 1),
    }


def test_a_claim_tells_how_many_notifications_it_took_fewer_than_the_limit_when_drained() -> None:
    h = PagingHarness()
    api, db = h.create_service("api"), h.create_service("db")
    h.set_policy(api.id, [level("alice@example.com", SMS)])
    h.set_policy(db.id, [level("bob@example.com")])
    h.alert(api.id)
    h.alert(db.id)

    full = claim_due_pages(h.uow, h.clock, "worker-1", limit=2)
    rest = claim_due_pages(h.uow, h.clock, "worker-1", limit=2)

    assert (full.notifications, rest.notifications) == (2, 1)
    assert len(full.pages) + len(rest.pages) == 3
    assert claim_due_pages(h.uow, h.clock, "worker-1", limit=2).notifications == 0


def test_a_page_listed_twice_in_one_cycle_is_recorded_once_with_its_first_outcome() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com")])
    alert = h.alert(service.id)
    [page] = claim_pages(h.uow, h.clock, "dispatcher")

    outcomes = [(page, DeliveryResult.transient("timeout")), (page, DeliveryResult.delivered())]
    record_deliveries(h.uow, h.clock, outcomes, lambda: 0.0, "dispatcher")

    [stored] = _pages_of(h, alert.id)
    assert (stored.status, stored.attempts) == (NotificationStatus.PENDING, 1)
    assert _entries(h, alert.id, "delivery_retry", "delivered") == [("delivery_retry", 1)]
