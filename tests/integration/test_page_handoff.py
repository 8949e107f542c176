"""Fresh pages handed in memory to the process's dispatcher: leased to it in the creating
transaction, given to it after commit, the database still the source of truth. On the
in-memory reference adapter, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

import pytest

from pagerd.adapters.memory import FakeClock
from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.domain.channels import Channel
from pagerd.entrypoints.simulation import ANY_NETWORK
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.alerts import IncomingAlert, receive_alert_in_transaction
from pagerd.service_layer.delivery import claim_due_pages, handed_pages
from pagerd.service_layer.paging import HandedPage
from pagerd.service_layer.ports import UnitOfWork
from pagerd.testing.harness import level
from tests.integration.conftest import UowFactory

LEASE = timedelta(seconds=60)


class Receiver:
    """A dispatcher stand-in: notes what it is handed."""

    def __init__(self, accepting: bool = True) -> None:
        self.worker_id = "local-worker"
        self.lease = LEASE
        self.open = accepting
        self.taken: list[HandedPage] = []

    def accepting(self) -> bool:
        return self.open

    def take(self, pages: Sequence[HandedPage]) -> None:
        self.taken.extend(pages)


class Pagerd:
    """One process: its wakeup (with the handoff), units of work ringing it, a service
    paging an e-mail address and a phone (SMS: reply codes)."""

    def __init__(self, make_uow: UowFactory) -> None:
        self.wakeup = ThreadWakeup()
        self.make_uow = make_uow
        self.uow: UnitOfWork = make_uow(self.wakeup)
        self.clock = FakeClock()
        self.service_id = services.create_service(self.uow, self.clock, "checkout").id
        levels = [level("oncall@example.com", "+14155550123")]
        policies.put_policy(self.uow, self.service_id, levels, 0, ANY_NETWORK)

    def alert(self, message: str = "down") -> UUID:
        return alerts.receive_alert(self.uow, self.clock, self.service_id, message).alert.id

    def claim(self, worker_id: str = "another-worker") -> list[tuple[Channel, str | None]]:
        """What another dispatcher's claim gets now: (channel, reply code) of each item."""
        claim = claim_due_pages(self.make_uow(None), self.clock, worker_id, 100, LEASE)
        return [(page.channel, item.reply_code) for page in claim.pages for item in page.items]


def test_without_a_registered_dispatcher_every_page_waits_for_a_claim(
    make_uow: UowFactory,
) -> None:
    pagerd = Pagerd(make_uow)
    pagerd.alert()
    assert sorted(channel for channel, _ in pagerd.claim()) == [Channel.EMAIL, Channel.SMS]


def test_a_registered_dispatcher_is_handed_its_pages_after_commit_leased_to_it(
    make_uow: UowFactory,
) -> None:
    pagerd = Pagerd(make_uow)
    receiver = Receiver()
    assert pagerd.wakeup.handoff.register(receiver)
    alert_id = pagerd.alert("disk full")
    [handed] = receiver.taken
    assert (handed.channel, handed.address) == (Channel.EMAIL, "oncall@example.com")
    assert (handed.item.alert_id, handed.item.message) == (alert_id, "disk full")
    assert handed.item.service_name == "checkout"
    assert handed.lease_until == pagerd.clock.now() + LEASE
    # Leased in the database: another dispatcher leaves it alone. The SMS page, whose reply
    # code the claim issues, was left to a claim, and carries its code.
    [(channel, code)] = pagerd.claim()
    assert channel is Channel.SMS
    assert code
    with pagerd.uow:
        assert pagerd.uow.outbox.is_claimed_by(handed.item.notification_id, "local-worker")


def test_a_handed_page_comes_back_to_a_claim_when_its_lease_runs_out(
    make_uow: UowFactory,
) -> None:
    pagerd = Pagerd(make_uow)
    pagerd.wakeup.handoff.register(Receiver())
    pagerd.alert()
    assert [channel for channel, _ in pagerd.claim()] == [Channel.SMS]
    pagerd.clock.advance(LEASE)  # both holders died: nothing is lost
    again = sorted(channel for channel, _ in pagerd.claim("third-worker"))
    assert again == [Channel.EMAIL, Channel.SMS]


def test_a_transaction_rolled_back_hands_nothing(make_uow: UowFactory) -> None:
    pagerd = Pagerd(make_uow)
    receiver = Receiver()
    pagerd.wakeup.handoff.register(receiver)
    with pagerd.uow:
        incoming = IncomingAlert("down", "key")
        receive_alert_in_transaction(pagerd.uow, pagerd.clock.now(), pagerd.service_id, incoming)
    assert receiver.taken == []
    assert pagerd.claim() == []


@pytest.mark.parametrize("registered", [False, True])
def test_a_dispatcher_not_accepting_or_gone_gets_nothing(
    make_uow: UowFactory, registered: bool
) -> None:
    pagerd = Pagerd(make_uow)
    receiver = Receiver(accepting=not registered)
    pagerd.wakeup.handoff.register(receiver)
    if not registered:
        pagerd.wakeup.handoff.unregister(receiver)
    pagerd.alert()
    assert receiver.taken == []
    assert len(pagerd.claim()) == 2


def test_handed_pages_make_the_messages_a_claim_would_with_signed_links(
    make_uow: UowFactory,
) -> None:
    from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner

    pagerd = Pagerd(make_uow)
    receiver = Receiver()
    pagerd.wakeup.handoff.register(receiver)
    pagerd.alert()
    links = AckLinks("https://pagerd.example", AckLinkSigner(b"k" * 32))
    [(page, lease_until)] = handed_pages(receiver.taken, links, pagerd.clock.now())
    [item] = page.items
    assert page.channel is Channel.EMAIL
    assert lease_until == receiver.taken[0].lease_until
    assert item.ack_url.startswith("https://pagerd.example/")
    assert item.console_url
