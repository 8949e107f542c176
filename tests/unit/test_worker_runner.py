"""The worker's cycles on the in-memory unit of work and a fake clock: timers fire, pages are
sent and recorded, failures are retried or escalate, and a graceful stop gives claims back."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Self
from uuid import UUID

import pytest
from sqlalchemy.exc import OperationalError

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.bootstrap import Container
from pagerd.config import load_settings
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.policy import LevelSpec
from pagerd.domain.timer import FiredTimer
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.entrypoints.workers.duties import DUTIES
from pagerd.entrypoints.workers.duty import DutySpec
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.delivery import claim_pages
from pagerd.service_layer.observability import NullObserver
from pagerd.service_layer.paging import DeliveryOutcome, DeliveryResult, OutgoingPage
from pagerd.testing import FakeClock, RecordingSender
from pagerd.testing.harness import level


class RecordingObserver(NullObserver):
    """Implements the Observer port by keeping what it is told."""

    def __init__(self) -> None:
        self.fired: list[FiredTimer] = []
        self.attempts: list[tuple[OutgoingPage, DeliveryResult, float]] = []

    def timer_fired(self, fired: FiredTimer) -> None:
        self.fired.append(fired)

    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        self.attempts.append((page, result, seconds))


class BlockingSender:
    """Answers `delivered`, but holds its first send until `release` is set."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.pages: list[OutgoingPage] = []

    def send(self, page: OutgoingPage) -> DeliveryResult:
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(10), "the test never released the blocked send"
        self.pages.append(page)
        return DeliveryResult.delivered()

    @property
    def addresses(self) -> list[str]:
        return [p.address for p in self.pages]


class RaisingSender:
    """Breaks the Sender contract by raising."""

    def send(self, page: OutgoingPage) -> DeliveryResult:
        raise ConnectionResetError("provider hung up")


class SwitchableUnitOfWork(InMemoryUnitOfWork):
    """An in-memory unit of work that cannot begin while `down` is set."""

    def __init__(self, store: InMemoryStore, signal: ThreadWakeup, down: threading.Event) -> None:
        super().__init__(store, signal)
        self._down = down

    def __enter__(self) -> Self:
        if self._down.is_set():
            raise OperationalError("BEGIN", {}, ConnectionRefusedError("database is down"))
        return super().__enter__()


class World:
    """A worker on the in-memory store, with a fake clock and recording senders; `duties`
    replaces the registry's (a smaller batch, say)."""

    def __init__(
        self,
        senders: dict[Channel, object] | None = None,
        duties: Sequence[DutySpec] = DUTIES,
        **options: object,
    ) -> None:
        self.database_down = threading.Event()
        self.store = InMemoryStore()
        self.clock = FakeClock()
        self.wakeup = ThreadWakeup()
        self.sender = RecordingSender()
        self.observer = RecordingObserver()
        self.container = Container(
            settings=load_settings(database_url="sqlite://"),
            uow_factory=lambda: SwitchableUnitOfWork(self.store, self.wakeup, self.database_down),
            clock=self.clock,
            senders=senders or dict.fromkeys(Channel, self.sender),  # type: ignore[arg-type]
            wakeup=self.wakeup,
            observer=self.observer,
        )
        self.runner = WorkerEngine(
            self.container,
            WorkerOptions(**options),  # type: ignore[arg-type]
            worker_id="worker-a",
            jitter=lambda: 0.0,
            duties=duties,
        )

    def new_uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.wakeup)

    def open_alert(self, levels: Sequence[LevelSpec]) -> UUID:
        uow = self.new_uow()
        service = services.create_service(uow, self.clock, "checkout")
        policies.put_policy(uow, service.id, levels, 0)
        return alerts.receive_alert(uow, self.clock, service.id, "checkout is down", None).alert.id

    def notifications(self, alert_id: UUID) -> list[Notification]:
        uow = self.new_uow()
        with uow:
            return uow.outbox.list_for_alert(alert_id)

    def timeline_types(self, alert_id: UUID) -> list[str]:
        uow = self.new_uow()
        with uow:
            return [e.type for e in uow.timeline.list_for_alert(alert_id)]


def test_due_pages_are_sent_and_recorded_as_sent() -> None:
    world = World()
    alert_id = world.open_alert([level("alice@example.com", "+5492664295169")])

    world.runner.run_until_idle()

    assert sorted(world.sender.addresses) == ["+5492664295169", "alice@example.com"]
    assert [(n.status, n.attempts) for n in world.notifications(alert_id)] == [
        (NotificationStatus.SENT, 1),
        (NotificationStatus.SENT, 1),
    ]
    assert [r.outcome for _, r, _ in world.observer.attempts] == [DeliveryOutcome.DELIVERED] * 2
    assert world.runner.in_flight == 0


def test_a_due_timer_fires_and_the_next_level_is_paged() -> None:
    world = World()
    alert_id = world.open_alert([level("alice@example.com", timeout=300), level("bob@example.com")])
    world.runner.run_until_idle()

    world.clock.advance(299)
    assert world.runner.run_cycle("timers") == 0
    world.clock.advance(1)
    assert world.runner.run_cycle("timers") == 1
    world.runner.run_until_idle()

    assert world.sender.addresses == ["alice@example.com", "bob@example.com"]
    assert [(f.timer.level, f.escalated) for f in world.observer.fired] == [(0, True)]
    assert {n.status for n in world.notifications(alert_id)} == {NotificationStatus.SENT}


def test_a_transient_failure_is_retried_until_delivered_with_attempts_and_error_recorded() -> None:
    world = World()
    world.sender.answer(DeliveryResult.transient("503 from provider"))
    world.sender.answer(DeliveryResult.transient("timed out"))
    alert_id = world.open_alert([level("alice@example.com")])

    world.runner.run_until_idle()
    [first] = world.notifications(alert_id)
    assert (first.status, first.attempts, first.last_error) == (
        NotificationStatus.PENDING,
        1,
        "503 from provider",
    )
    world.clock.advance(first.next_attempt_at - world.clock.now())
    world.runner.run_until_idle()
    [second] = world.notifications(alert_id)
    assert (second.attempts, second.last_error) == (2, "timed out")
    world.clock.advance(second.next_attempt_at - world.clock.now())
    world.runner.run_until_idle()

    [delivered] = world.notifications(alert_id)
    assert (delivered.status, delivered.attempts) == (NotificationStatus.SENT, 3)
    assert world.sender.addresses == ["alice@example.com"] * 3
    assert world.timeline_types(alert_id).count("delivery_retry") == 2
    assert {p.idempotency_key for p in world.sender.pages} == {delivered.id}


def test_a_retry_is_not_sent_before_its_backoff_has_passed() -> None:
    world = World()
    world.sender.answer(DeliveryResult.transient("503 from provider"))
    alert_id = world.open_alert([level("alice@example.com")])
    world.runner.run_until_idle()
    [pending] = world.notifications(alert_id)

    world.clock.advance(pending.next_attempt_at - world.clock.now() - timedelta(seconds=1))
    world.runner.run_until_idle()

    assert world.sender.addresses == ["alice@example.com"]


def test_a_permanent_failure_of_every_target_of_a_level_escalates_at_once() -> None:
    world = World()
    world.sender.answer(
        DeliveryResult.permanent("550 no such user"), DeliveryResult.permanent("21211 invalid")
    )
    alert_id = world.open_alert(
        [level("alice@example.com", "+5492664295169"), level("https://hooks.example.com/x")]
    )

    world.runner.run_until_idle()  # the fake clock never moved: no timer could have fired

    assert world.sender.addresses[2:] == ["https://hooks.example.com/x"]
    assert {n.address: n.status for n in world.notifications(alert_id)} == {
        "alice@example.com": NotificationStatus.FAILED,
        "+5492664295169": NotificationStatus.FAILED,
        "https://hooks.example.com/x": NotificationStatus.SENT,
    }
    assert "level_failed" in world.timeline_types(alert_id)
    assert world.observer.fired == []


def test_a_sender_that_raises_counts_as_a_transient_failure() -> None:
    world = World(senders=dict.fromkeys(Channel, RaisingSender()))
    alert_id = world.open_alert([level("alice@example.com")])

    world.runner.run_until_idle()

    [notification] = world.notifications(alert_id)
    assert notification.status is NotificationStatus.PENDING
    assert notification.attempts == 1
    assert notification.last_error is not None
    assert "provider hung up" in notification.last_error


def test_a_graceful_stop_records_the_running_send_and_releases_the_unsent_page() -> None:
    sender = BlockingSender()
    world = World(senders=dict.fromkeys(Channel, sender), send_threads=1)
    alert_id = world.open_alert([level("alice@example.com", "bob@example.com")])

    assert world.runner.run_cycle("dispatch") == 2  # one page runs, the other waits in the pool
    assert sender.entered.wait(5)
    world.runner.request_stop()
    sender.release.set()
    assert world.runner.stop(timeout=5)

    [sent] = sender.addresses
    [unsent] = {"alice@example.com", "bob@example.com"} - {sent}
    by_address = {n.address: n for n in world.notifications(alert_id)}
    assert by_address[sent].status is NotificationStatus.SENT
    assert (by_address[unsent].status, by_address[unsent].attempts) == (
        NotificationStatus.PENDING,
        0,
    )
    # Released, not left to its lease: another worker claims the unsent page at once.
    [page] = claim_pages(world.new_uow(), world.clock, "worker-b")
    assert page.address == unsent


def test_a_page_that_waited_past_half_its_lease_is_given_back_unsent() -> None:
    sender = BlockingSender()
    world = World(
        senders=dict.fromkeys(Channel, sender), send_threads=1, lease=timedelta(seconds=60)
    )
    alert_id = world.open_alert([level("alice@example.com", "bob@example.com")])
    world.runner.run_cycle("dispatch")
    assert sender.entered.wait(5)

    world.clock.advance(31)  # the second page is still queued behind the first, slow send
    sender.release.set()
    assert world.runner.wait_for_in_flight(5)
    assert len(sender.pages) == 1
    world.runner.run_cycle("dispatch")  # records the first, releases the second, claims it again
    world.runner.run_until_idle()

    assert sorted(sender.addresses) == ["alice@example.com", "bob@example.com"]
    assert {n.status for n in world.notifications(alert_id)} == {NotificationStatus.SENT}


def test_an_outcome_that_cannot_be_recorded_within_its_lease_is_dropped_and_the_page_resent() -> (
    None
):
    world = World(lease=timedelta(seconds=60))
    alert_id = world.open_alert([level("alice@example.com")])
    world.runner.run_cycle("dispatch")
    assert world.runner.wait_for_in_flight(5)

    world.database_down.set()
    with pytest.raises(OperationalError):
        world.runner.run_cycle("dispatch")
    assert world.runner.in_flight == 1  # the outcome waits for the database
    world.clock.advance(61)
    with pytest.raises(OperationalError):
        world.runner.run_cycle("dispatch")
    assert world.runner.in_flight == 0  # past its lease: let go, so later records can proceed
    world.database_down.clear()
    world.runner.run_until_idle()

    [notification] = world.notifications(alert_id)
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    assert [p.idempotency_key for p in world.sender.pages] == [notification.id] * 2


def test_an_outcome_is_recorded_once_the_database_is_back_within_the_lease() -> None:
    world = World()
    alert_id = world.open_alert([level("alice@example.com")])
    world.runner.run_cycle("dispatch")
    assert world.runner.wait_for_in_flight(5)

    world.database_down.set()
    with pytest.raises(OperationalError):
        world.runner.run_cycle("dispatch")
    world.database_down.clear()
    world.runner.run_until_idle()

    [notification] = world.notifications(alert_id)
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    assert world.sender.addresses == ["alice@example.com"]


def test_the_dispatcher_cycles_again_at_once_only_after_a_full_claim() -> None:
    dispatch_by_two = [replace(s, batch=2) if s.name == "dispatch" else s for s in DUTIES]
    world = World(duties=dispatch_by_two)
    world.open_alert([level("alice@example.com", "+5492664295169", "bob@example.com")])
    dispatcher = world.runner.duty("dispatch")

    done = world.runner.run_cycle("dispatch")
    full = dispatcher.more_due_now(done)
    assert world.runner.wait_for_in_flight()
    done = world.runner.run_cycle("dispatch")
    drained = dispatcher.more_due_now(done)

    assert (full, drained) == (True, False)
