"""Users in configuration files: applied idempotently, paged through policies that name them,
exported back, never with a password; every mistake named with its line."""

from __future__ import annotations

import pytest

from pagerd.config_as_code import (
    InvalidConfiguration,
    apply_configuration,
    export_configuration,
    parse_configuration,
    render_configuration,
)
from pagerd.domain.channels import Channel
from pagerd.testing.harness import PagingHarness

FILE = """\
users:
  - name: alice
    contact_methods:
      - {type: email, address: alice@example.com, label: work}
      - {type: SMS, address: "+14155550123"}
    notification_rules:
      - {address: alice@example.com, delay_minutes: 0}
      - {address: "+14155550123", delay_minutes: 5}
services:
  - name: checkout
    escalation_policy:
      levels:
        - targets:
            - {type: user, user: alice}
            - {type: email, email: oncall@example.com}
"""


def _apply(h: PagingHarness, text: str) -> list[str]:
    return [str(c) for c in apply_configuration(h.uow, h.clock, parse_configuration(text))]


def test_a_file_creates_users_with_their_methods_and_rules_and_pages_them() -> None:
    h = PagingHarness()

    assert _apply(h, FILE) == [
        "create user 'alice'",
        "create contact method of 'alice': alice@example.com",
        "create contact method of 'alice': +14155550123",
        "update notification rules of 'alice': 2 rules",
        "create service 'checkout'",
        "create escalation policy of 'checkout': 1 level, 2 targets, repeat 0",
    ]
    with h.uow:
        service = h.uow.services.get_by_name("checkout")
    assert service is not None
    h.alert(service.id)
    h.advance(5 * 60)
    assert [(p.channel, p.address) for p in h.pages()][-1] == (Channel.SMS, "+14155550123")
    assert sorted(p.address for p in h.pages()[:2]) == ["alice@example.com", "oncall@example.com"]


def test_applying_the_same_file_twice_changes_nothing_the_second_time() -> None:
    h = PagingHarness()
    _apply(h, FILE)

    assert _apply(h, FILE) == []


def test_a_changed_method_is_replaced_and_the_rules_follow() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    changed = FILE.replace('"+14155550123"', '"+14155550999"')

    assert _apply(h, changed) == [
        "delete contact method of 'alice': +14155550123",
        "create contact method of 'alice': +14155550999",
        "update notification rules of 'alice': 2 rules",
    ]
    exported = export_configuration(h.uow, h.clock).users[0]
    assert [(r.address, r.delay_minutes) for r in exported.notification_rules] == [
        ("alice@example.com", 0),
        ("+14155550999", 5),
    ]


def test_export_writes_users_by_name_and_never_a_password() -> None:
    h = PagingHarness()
    _apply(h, FILE)

    text = render_configuration(export_configuration(h.uow, h.clock))

    assert "password" not in text
    assert "user: alice" in text
    assert parse_configuration(text) == export_configuration(h.uow, h.clock)


def test_a_policy_naming_an_unknown_user_is_refused_and_nothing_changes() -> None:
    h = PagingHarness()
    text = FILE.replace("user: alice}", "user: mallory}")

    with pytest.raises(InvalidConfiguration) as refused:
        _apply(h, text)

    assert "mallory" in str(refused.value)
    assert export_configuration(h.uow, h.clock).services == ()
    assert export_configuration(h.uow, h.clock).users == ()


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ('address: "+14155550123"}', "users[0].contact_methods[1].address"),
        ("delay_minutes: 0}", "users[0].notification_rules"),
        ("name: alice", "users[0].name"),
    ],
)
def test_bad_users_are_refused_with_the_field_named(bad: str, problem: str) -> None:
    broken = {
        'address: "+14155550123"}': FILE.replace(
            'address: "+14155550123"}', 'address: "0800 PAGER"}', 1
        ),
        "delay_minutes: 0}": FILE.replace("delay_minutes: 0}", "delay_minutes: 3}"),
        "name: alice": FILE.replace("name: alice", "name: '!alice'"),
    }[bad]

    with pytest.raises(InvalidConfiguration) as refused:
        parse_configuration(broken)

    assert any(p.field.startswith(problem) for p in refused.value.problems), refused.value
