"""Paging people through the use cases on SQLite and PostgreSQL: contact methods, rules,
rule timers, and what deleting a method takes with it."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.channels import Channel
from pagerd.service_layer.contact_methods import delete_contact_method, get_profile
from pagerd.testing.harness import PagingHarness, level, user_target

MINUTE = 60


@pytest.fixture
def h(engine: Engine) -> PagingHarness:
    return PagingHarness(make_uow=lambda signal: SqlAlchemyUnitOfWork(engine, signal))


def test_rules_at_0_5_and_15_minutes_with_an_ack_at_minute_6(h: PagingHarness) -> None:
    alice = h.create_user("alice")
    email = h.add_contact_method(alice.id, "email", "a@example.com")
    sms = h.add_contact_method(alice.id, "sms", "+5492664295169")
    voice = h.add_contact_method(alice.id, "voice", "+14155550100")
    h.set_rules(alice.id, (email, 0), (sms, 5), (voice, 15))
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(user_target(alice.id), timeout=3600)])

    alert = h.alert(service.id)
    h.advance()
    h.advance(5 * MINUTE)
    h.advance(1 * MINUTE)
    h.acknowledge(alert.id, by="alice")
    h.advance(30 * MINUTE)

    assert [(p.channel, p.address) for p in h.pages()] == [
        (Channel.EMAIL, "a@example.com"),
        (Channel.SMS, "+5492664295169"),
    ]
    with h.uow:
        assert h.uow.rule_timers.list_for_alert(alert.id) == []
        pages = h.uow.outbox.list_for_alert(alert.id)
    assert {p.user_id for p in pages} == {alice.id}
    assert {p.target_id for p in pages} == {email.id, sms.id}


def test_a_disabled_user_is_stored_and_never_paged(h: PagingHarness) -> None:
    carol = h.create_user("carol", disabled=True)
    h.add_contact_method(carol.id, "slack", "U0123ABCD")
    service = h.create_service("search")
    h.set_policy(service.id, [level(user_target(carol.id)), level("ops@example.com")])

    h.alert(service.id)
    h.advance()

    assert [p.address for p in h.pages()] == ["ops@example.com"]


def test_deleting_a_method_takes_its_rules_and_pending_timers_with_it(h: PagingHarness) -> None:
    alice = h.create_user("alice")
    email = h.add_contact_method(alice.id, "email", "a@example.com")
    sms = h.add_contact_method(alice.id, "sms", "+5492664295169")
    h.set_rules(alice.id, (email, 0), (sms, 5))
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(user_target(alice.id), timeout=3600)])
    alert = h.alert(service.id)
    h.advance()

    delete_contact_method(h.uow, alice.id, sms.id)
    h.advance(10 * MINUTE)

    assert [p.address for p in h.pages()] == ["a@example.com"]
    profile = get_profile(h.uow, alice.id)
    assert [m.id for m in profile.contact_methods] == [email.id]
    assert [(r.contact_method_id, r.delay_minutes) for r in profile.rules] == [(email.id, 0)]
    with h.uow:
        assert h.uow.rule_timers.list_for_alert(alert.id) == []


def test_deleting_the_only_immediate_method_clears_the_rules(h: PagingHarness) -> None:
    alice = h.create_user("alice")
    email = h.add_contact_method(alice.id, "email", "a@example.com")
    sms = h.add_contact_method(alice.id, "sms", "+5492664295169")
    h.set_rules(alice.id, (email, 0), (sms, 5))

    delete_contact_method(h.uow, alice.id, email.id)

    assert get_profile(h.uow, alice.id).rules == []
