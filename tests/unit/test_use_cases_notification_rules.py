"""Paging people on the fakes: user targets, notification rules as timers, who is named."""

from __future__ import annotations

from uuid import UUID

from pagerd.domain.accounts import User
from pagerd.domain.alert import AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.people import ContactMethod
from pagerd.service_layer.paging import DeliveryResult
from pagerd.testing.harness import PagingHarness, level, user_target

MINUTE = 60


class _Alice:
    """A user with e-mail, SMS and voice, on a one-level policy of `checkout`."""

    def __init__(self, h: PagingHarness, timeout_minutes: int = 60) -> None:
        self.user: User = h.create_user("alice")
        self.email: ContactMethod = h.add_contact_method(self.user.id, "email", "a@example.com")
        self.sms: ContactMethod = h.add_contact_method(self.user.id, "sms", "+5492664295169")
        self.voice: ContactMethod = h.add_contact_method(self.user.id, "voice", "+14155550100")
        self.service_id: UUID = h.create_service("checkout").id
        h.set_policy(
            self.service_id, [level(user_target(self.user.id), timeout=timeout_minutes * MINUTE)]
        )


def _sent(h: PagingHarness) -> list[tuple[Channel, str]]:
    return [(p.channel, p.address) for p in h.pages()]


def test_rules_at_0_5_and_15_minutes_page_each_method_at_its_minute() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5), (alice.voice, 15))

    h.alert(alice.service_id)
    h.advance()
    assert _sent(h) == [(Channel.EMAIL, "a@example.com")]

    h.advance(5 * MINUTE - 1)
    assert len(h.pages()) == 1
    h.advance(1)
    assert _sent(h)[1:] == [(Channel.SMS, "+5492664295169")]

    h.advance(10 * MINUTE - 1)
    assert len(h.pages()) == 2
    h.advance(1)
    assert _sent(h)[2:] == [(Channel.VOICE, "+14155550100")]


def test_acknowledging_at_minute_6_stops_the_15_minute_rule() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5), (alice.voice, 15))
    alert = h.alert(alice.service_id)
    h.advance(6 * MINUTE)
    assert [c for c, _ in _sent(h)] == [Channel.EMAIL, Channel.SMS]

    h.acknowledge(alert.id, by="alice")
    h.advance(60 * MINUTE)

    assert [c for c, _ in _sent(h)] == [Channel.EMAIL, Channel.SMS]
    with h.uow:
        assert h.uow.rule_timers.list_for_alert(alert.id) == []
    cancelled = [e for e in h.timeline(alert.id) if e.type == "notification_rule_cancelled"]
    assert [e.details["address"] for e in cancelled] == ["+14155550100"]


def test_resolving_cancels_pending_rules_in_the_same_transaction() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5))
    alert = h.alert(alice.service_id)
    h.advance()

    h.healthy(alice.service_id)

    with h.uow:
        assert h.uow.rule_timers.list_for_alert(alert.id) == []
    h.advance(10 * MINUTE)
    assert _sent(h) == [(Channel.EMAIL, "a@example.com")]


def test_a_user_without_rules_is_paged_on_every_method_at_once() -> None:
    h = PagingHarness()
    alice = _Alice(h)

    h.alert(alice.service_id)
    h.advance()

    assert sorted(c.value for c, _ in _sent(h)) == ["email", "sms", "voice"]


def test_a_method_named_by_two_rules_is_paged_once_by_the_earliest() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5), (alice.sms, 10))
    alert = h.alert(alice.service_id)

    h.advance(30 * MINUTE)

    assert [c for c, _ in _sent(h)] == [Channel.EMAIL, Channel.SMS]
    fired = [e for e in h.timeline(alert.id) if e.type == "notification_rule_fired"]
    assert len(fired) == 1


def test_the_same_user_twice_on_a_level_is_paged_once_per_method() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    target = user_target(alice.user.id)
    h.set_policy(alice.service_id, [level(target, target, "bob@example.com")])

    h.alert(alice.service_id)
    h.advance()

    assert sorted(a for _, a in _sent(h)) == sorted(
        ["a@example.com", "+5492664295169", "+14155550100", "bob@example.com"]
    )


def test_the_timeline_names_the_person_and_the_methods_used() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5))
    alert = h.alert(alice.service_id)
    h.advance(5 * MINUTE)

    entries = {e.type: e.details for e in h.timeline(alert.id)}
    paged = entries["user_paged"]
    assert paged["user_name"] == "alice"
    assert paged["user_id"] == str(alice.user.id)
    assert [(m["type"], m["address"], m["delay_minutes"]) for m in paged["contact_methods"]] == [
        ("email", "a@example.com", 0),
        ("sms", "+5492664295169", 5),
    ]
    assert entries["notification_rule_fired"]["address"] == "+5492664295169"


def test_a_disabled_user_is_never_paged_and_their_level_escalates_at_once() -> None:
    h = PagingHarness()
    carol = h.create_user("carol", disabled=True)
    h.add_contact_method(carol.id, "email", "carol@example.com")
    service = h.create_service("search")
    h.set_policy(service.id, [level(user_target(carol.id)), level("oncall@example.com")])

    alert = h.alert(service.id)
    h.advance()

    assert _sent(h) == [(Channel.EMAIL, "oncall@example.com")]
    assert h.get_alert(alert.id).level == 1
    types = [e.type for e in h.timeline(alert.id)]
    assert "user_unreachable" in types
    assert "level_failed" in types


def test_a_user_disabled_after_being_paged_gets_no_later_rule() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5))
    alert = h.alert(alice.service_id)
    h.advance()
    with h.uow:
        user = h.uow.users.get(alice.user.id)
        assert user is not None
        user.disabled = True
        h.uow.users.update(user)
        h.uow.commit()

    h.advance(10 * MINUTE)

    assert _sent(h) == [(Channel.EMAIL, "a@example.com")]
    with h.uow:
        assert h.uow.rule_timers.list_for_alert(alert.id) == []  # consumed, paging nobody
    assert "notification_rule_fired" not in [e.type for e in h.timeline(alert.id)]


def test_a_user_with_no_contact_method_counts_as_nobody() -> None:
    h = PagingHarness()
    dave = h.create_user("dave")
    service = h.create_service("billing")
    h.set_policy(service.id, [level(user_target(dave.id))])

    alert = h.alert(service.id)
    h.advance()

    assert h.pages() == []
    found = h.get_alert(alert.id)
    assert found.status is AlertStatus.OPEN
    assert [e.type for e in h.timeline(alert.id)][-2:] == ["level_failed", "exhausted"]
    assert h.armed_timer(alert.id) is None


def test_a_user_beside_an_address_keeps_the_level_waiting_for_its_timer() -> None:
    h = PagingHarness()
    dave = h.create_user("dave")
    service = h.create_service("billing")
    h.set_policy(
        service.id, [level(user_target(dave.id), "ops@example.com"), level("boss@example.com")]
    )

    alert = h.alert(service.id)
    h.advance()

    assert _sent(h) == [(Channel.EMAIL, "ops@example.com")]
    assert h.armed_timer(alert.id) == (0, 0)


def test_a_level_with_a_later_rule_pending_does_not_fail_when_the_first_page_fails() -> None:
    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5))
    h.senders[Channel.EMAIL].answer(DeliveryResult.permanent("550 no such mailbox"))
    alert = h.alert(alice.service_id)

    h.advance()
    assert h.get_alert(alert.id).level == 0
    assert h.armed_timer(alert.id) == (0, 0)

    h.advance(5 * MINUTE)
    assert (Channel.SMS, "+5492664295169") in _sent(h)


def test_later_rules_keep_paging_after_the_level_escalated() -> None:
    h = PagingHarness()
    alice = _Alice(h, timeout_minutes=5)
    h.set_policy(
        alice.service_id, [level(user_target(alice.user.id), timeout=300), level("b@example.com")]
    )
    h.set_rules(alice.user.id, (alice.email, 0), (alice.voice, 10))
    h.alert(alice.service_id)

    h.advance(5 * MINUTE)
    h.advance(5 * MINUTE)

    assert [a for _, a in _sent(h)] == ["a@example.com", "b@example.com", "+14155550100"]


def test_the_console_timeline_tells_who_was_paged_on_what_and_when() -> None:
    from pagerd.entrypoints.console.timeline import describe_timeline

    h = PagingHarness()
    alice = _Alice(h)
    h.set_rules(alice.user.id, (alice.email, 0), (alice.sms, 5))
    dave = h.create_user("dave")
    h.set_policy(
        alice.service_id, [level(user_target(alice.user.id), user_target(dave.id), timeout=3600)]
    )
    alert = h.alert(alice.service_id)
    h.advance(5 * MINUTE)

    lines = [line.text for line in describe_timeline(alert, h.timeline(alert.id))]

    assert "Paged level 1: a person, a person." in lines[1]
    assert (
        "Paging alice (level 1): email a@example.com at once, sms +5492664295169 after 5 min."
        in lines
    )
    assert "Could not page dave (level 1): the user has no contact method." in lines
    assert "Notification rule of alice: paging sms +5492664295169." in lines
