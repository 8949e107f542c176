"""The dispatch duty takes the pages of its own process in memory: no claim between the
commit and the send, and what it could not send given back at its stop."""

from __future__ import annotations

from datetime import timedelta

from pagerd.adapters.memory import FakeClock, InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.domain.notification import NotificationStatus
from pagerd.entrypoints.simulation import ANY_NETWORK
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.entrypoints.workers.dispatch import Dispatcher
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.delivery import claim_pages
from pagerd.testing import RecordingSender
from pagerd.testing.harness import level


class Process:
    """One process on fakes: the API's units of work and the workers share a ThreadWakeup."""

    def __init__(self) -> None:
        self.store, self.wakeup, self.clock = InMemoryStore(), ThreadWakeup(), FakeClock()
        self.sender = RecordingSender()
        container = Container(
            settings=Settings(database_url="sqlite://"),
            uow_factory=lambda: InMemoryUnitOfWork(self.store, self.wakeup),
            clock=self.clock,
            senders=dict.fromkeys(Channel, self.sender),
            wakeup=self.wakeup,
        )
        self.engine = WorkerEngine(container, WorkerOptions(send_threads=0), worker_id="w1")
        self.uow = container.uow_factory()
        self.service_id = services.create_service(self.uow, self.clock, "checkout").id
        policies.put_policy(self.uow, self.service_id, [level("a@example.com")], 0, ANY_NETWORK)
        self.engine.run_cycle("liveness")

    @property
    def dispatcher(self) -> Dispatcher:
        duty = self.engine.duty("dispatch")
        assert isinstance(duty, Dispatcher)
        return duty

    def alert(self) -> None:
        alerts.receive_alert(self.uow, self.clock, self.service_id, "down")

    def statuses(self) -> list[NotificationStatus]:
        with self.uow:
            return [n.status for n in self.store.state.notifications.values()]


def test_a_page_committed_in_the_process_is_sent_without_a_claim() -> None:
    process = Process()
    process.engine.run_cycle("dispatch")  # registers the dispatcher
    process.alert()
    assert process.wakeup.is_set()  # its loop was rung
    # Leased to this dispatcher: a claim (its own included) cannot take it...
    assert claim_pages(InMemoryUnitOfWork(process.store), process.clock, "w2") == []
    # ...yet its next cycle sends it, and the one after records it.
    process.engine.run_cycle("dispatch")
    assert [page.address for page in process.sender.pages] == ["a@example.com"]
    assert process.sender.pages[0].items[0].ack_url  # signed when the send started
    process.engine.run_cycle("dispatch")
    assert process.statuses() == [NotificationStatus.SENT]


def test_before_its_first_cycle_the_dispatcher_claims_as_before() -> None:
    process = Process()
    process.alert()
    assert claim_pages(InMemoryUnitOfWork(process.store), process.clock, "w2") != []


def test_pages_handed_but_not_started_at_the_stop_are_given_back_at_once() -> None:
    process = Process()
    process.engine.run_cycle("dispatch")
    process.alert()
    process.dispatcher.finish(timeout=1.0)  # stopped before its next cycle
    assert process.sender.pages == []
    assert not process.dispatcher.accepting()
    # No lease left to wait out: another dispatcher claims it now.
    claimed = claim_pages(InMemoryUnitOfWork(process.store), process.clock, "w2")
    assert [page.address for page in claimed] == ["a@example.com"]


def test_a_stopped_dispatcher_is_handed_nothing() -> None:
    process = Process()
    process.engine.run_cycle("dispatch")
    process.dispatcher.begin_stop()
    process.alert()
    process.clock.advance(timedelta(seconds=1))
    claimed = claim_pages(InMemoryUnitOfWork(process.store), process.clock, "w2")
    assert [page.address for page in claimed] == ["a@example.com"]


def test_once_behind_new_pages_wait_in_the_database_and_go_out_in_commit_order() -> None:
    process = Process()
    services_ = [process.service_id]
    for name in ("two", "three", "four"):
        service_id = services.create_service(process.uow, process.clock, name).id
        policy = [level(f"{name}@example.com")]
        policies.put_policy(process.uow, service_id, policy, 0, ANY_NETWORK)
        services_.append(service_id)
    process.engine.run_cycle("dispatch")
    process.dispatcher.handoff_backlog = 1
    for service_id in services_[:3]:
        alerts.receive_alert(process.uow, process.clock, service_id, "down")
    # The first was handed; the dispatcher was then behind, so the next two were not, and
    # it takes no more until a claim has drained them.
    assert not process.dispatcher.accepting()
    process.engine.run_until_idle()
    assert process.dispatcher.accepting()
    alerts.receive_alert(process.uow, process.clock, services_[3], "down")
    assert claim_pages(InMemoryUnitOfWork(process.store), process.clock, "w2") == []  # handed
    process.engine.run_until_idle()
    addresses = [page.address for page in process.sender.pages]
    assert addresses[0] == "a@example.com"
    assert sorted(addresses[1:3]) == ["three@example.com", "two@example.com"]
    assert addresses[3] == "four@example.com"
