"""Contact methods and notification rules: validation, and the pages a user's rules plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pagerd.domain.channels import Channel
from pagerd.domain.errors import InvalidRequest
from pagerd.domain.people import (
    ContactMethod,
    NotificationRule,
    RuleSpec,
    build_contact_method,
    build_rules,
    plan_user_pages,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _method(channel: Channel, address: str) -> ContactMethod:
    return ContactMethod(uuid4(), uuid4(), channel, address, channel.value, NOW)


def test_a_contact_method_is_validated_like_a_policy_target() -> None:
    with pytest.raises(InvalidRequest) as refused:
        build_contact_method(uuid4(), "sms", "0800-PAGER", None, NOW)
    assert [d.field for d in refused.value.details] == ["address"]
    with pytest.raises(InvalidRequest) as unknown:
        build_contact_method(uuid4(), "pigeon", "roof", None, NOW)
    assert [d.field for d in unknown.value.details] == ["type"]


def test_a_contact_method_type_is_case_insensitive_and_its_label_defaults_to_the_type() -> None:
    method = build_contact_method(uuid4(), "SLACK", " U0123ABCD ", None, NOW)
    assert (method.channel, method.address, method.label) == (Channel.SLACK, "U0123ABCD", "slack")


def test_rules_need_one_immediate_rule_delays_in_range_and_the_users_own_methods() -> None:
    mine, other = uuid4(), uuid4()
    with pytest.raises(InvalidRequest) as refused:
        build_rules([RuleSpec(mine, 5), RuleSpec(mine, 1441), RuleSpec(other, 10)], {mine})
    assert [d.field for d in refused.value.details] == [
        "rules.1.delay_minutes",
        "rules.2.contact_method_id",
        "rules",
    ]
    with pytest.raises(InvalidRequest):
        build_rules([], {mine})


def test_rules_come_back_by_delay_without_duplicates() -> None:
    a, b = uuid4(), uuid4()
    rules = build_rules([RuleSpec(b, 15), RuleSpec(a, 0), RuleSpec(a, 0)], {a, b})
    assert [(r.contact_method_id, r.delay_minutes) for r in rules] == [(a, 0), (b, 15)]


def test_no_rules_plan_every_method_at_the_trigger() -> None:
    email, sms = _method(Channel.EMAIL, "a@example.com"), _method(Channel.SMS, "+15555550100")
    planned = plan_user_pages([email, sms], [], NOW)
    assert [(p.contact_method, p.due_at) for p in planned] == [(email, NOW), (sms, NOW)]


def test_rules_plan_each_method_once_at_its_earliest_delay() -> None:
    email, sms = _method(Channel.EMAIL, "a@example.com"), _method(Channel.SMS, "+15555550100")
    rules = [
        NotificationRule(email.id, timedelta(0)),
        NotificationRule(sms.id, timedelta(minutes=15)),
        NotificationRule(sms.id, timedelta(minutes=5)),
        NotificationRule(uuid4(), timedelta(minutes=1)),  # a method since deleted
    ]
    planned = plan_user_pages([email, sms], rules, NOW)
    assert [(p.contact_method.id, p.due_at, p.immediate) for p in planned] == [
        (email.id, NOW, True),
        (sms.id, NOW + timedelta(minutes=5), False),
    ]
