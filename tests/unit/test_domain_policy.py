"""Escalation policies: what `build_policy` accepts, and how it names every bad field."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from pagerd.domain.channels import Channel, address_problem
from pagerd.domain.errors import FieldError, InvalidPolicy
from pagerd.domain.policy import (
    MAX_LEVELS,
    MAX_TARGETS_PER_LEVEL,
    EscalationPolicy,
    LevelSpec,
    TargetSpec,
    build_policy,
)

SERVICE = uuid4()


def _rejected(levels: list[LevelSpec], repeat: int = 0) -> list[FieldError]:
    with pytest.raises(InvalidPolicy) as caught:
        build_policy(SERVICE, levels, repeat)
    return caught.value.details


def _email(address: str = "oncall@example.com") -> TargetSpec:
    return TargetSpec("email", address)


def test_a_valid_policy_keeps_levels_in_order_with_channels_and_timeouts() -> None:
    policy = build_policy(
        SERVICE,
        [
            LevelSpec(
                [TargetSpec("EMAIL", " alice@example.com "), TargetSpec("SMS", "+5492664295169")]
            ),
            LevelSpec([TargetSpec("Webhook", "https://hooks.example.com/p?x=1")], 60),
        ],
        repeat=9,
    )

    assert isinstance(policy, EscalationPolicy)
    assert (policy.monitored_service_id, policy.repeat) == (SERVICE, 9)
    assert [[(t.channel, t.address) for t in lv.targets] for lv in policy.levels] == [
        [(Channel.EMAIL, "alice@example.com"), (Channel.SMS, "+5492664295169")],
        [(Channel.WEBHOOK, "https://hooks.example.com/p?x=1")],
    ]
    assert [lv.ack_timeout for lv in policy.levels] == [timedelta(minutes=15), timedelta(minutes=1)]
    assert len({t.id for lv in policy.levels for t in lv.targets}) == 3


def test_a_policy_keeps_the_id_it_is_given() -> None:
    policy_id = uuid4()

    assert build_policy(SERVICE, [LevelSpec([_email()])], policy_id=policy_id).id == policy_id


def test_a_policy_without_levels_is_rejected() -> None:
    assert _rejected([]) == [FieldError("levels", "must have at least one level")]


def test_a_level_without_targets_is_rejected_by_its_position() -> None:
    details = _rejected([LevelSpec([_email()]), LevelSpec([])])

    assert [d.field for d in details] == ["levels.1.targets"]


@pytest.mark.parametrize("repeat", [-1, 10])
def test_repeat_outside_zero_to_nine_is_rejected(repeat: int) -> None:
    details = _rejected([LevelSpec([_email()])], repeat)

    assert details == [FieldError("repeat", "must be between 0 and 9")]


@pytest.mark.parametrize("seconds", [0, -5, 7 * 24 * 3600 + 1, 10**20])
def test_an_ack_timeout_outside_one_second_to_seven_days_is_rejected(seconds: int) -> None:
    details = _rejected([LevelSpec([_email()], seconds)])

    assert [d.field for d in details] == ["levels.0.ack_timeout_seconds"]


def test_too_many_levels_or_targets_are_rejected() -> None:
    many_targets = LevelSpec(
        [_email(f"p{i}@example.com") for i in range(MAX_TARGETS_PER_LEVEL + 1)]
    )

    details = _rejected([LevelSpec([_email()])] * MAX_LEVELS + [many_targets])

    assert [d.field for d in details] == ["levels", f"levels.{MAX_LEVELS}.targets"]


@pytest.mark.parametrize(
    ("target", "field"),
    [
        (TargetSpec("email", "not-an-address"), "email"),
        (TargetSpec("email", "a@b"), "email"),
        (TargetSpec("email", "a" * 250 + "@example.com"), "email"),
        (TargetSpec("sms", "5492664295169"), "phone_number"),
        (TargetSpec("sms", "+0123456"), "phone_number"),
        (TargetSpec("sms", "+1234567890123456"), "phone_number"),
        (TargetSpec("webhook", "ftp://example.com/x"), "url"),
        (TargetSpec("webhook", "https://"), "url"),
        (TargetSpec("webhook", "https://example.com/a b"), "url"),
        (TargetSpec("webhook", "https://example.com/" + "x" * 2048), "url"),
        (TargetSpec("pager", "oncall@example.com"), "type"),
    ],
)
def test_a_bad_target_is_rejected_naming_its_field(target: TargetSpec, field: str) -> None:
    details = _rejected([LevelSpec([_email(), target])])

    assert [d.field for d in details] == [f"levels.0.targets.1.{field}"]
    assert details[0].message


def test_every_bad_field_is_named_at_once() -> None:
    error_levels = [
        LevelSpec([TargetSpec("sms", "12"), TargetSpec("webhook", "nope")], 0),
        LevelSpec([]),
    ]

    with pytest.raises(InvalidPolicy) as caught:
        build_policy(SERVICE, error_levels, repeat=12)

    assert [d.field for d in caught.value.details] == [
        "repeat",
        "levels.0.ack_timeout_seconds",
        "levels.0.targets.0.phone_number",
        "levels.0.targets.1.url",
        "levels.1.targets",
    ]
    assert caught.value.code == "validation_error"
    assert "levels.1.targets: must have at least one target" in str(caught.value)


def test_a_malformed_ipv6_webhook_url_is_a_field_error_not_a_crash() -> None:
    details = _rejected([LevelSpec([TargetSpec("webhook", "http://[::1/hook")])])

    assert [d.field for d in details] == ["levels.0.targets.0.url"]


@pytest.mark.parametrize(
    ("channel", "address"),
    [(Channel.EMAIL, "oncall@example.com\n"), (Channel.SMS, "+5492664295169\n")],
)
def test_an_address_with_a_trailing_newline_is_not_valid(channel: Channel, address: str) -> None:
    assert address_problem(channel, address) is not None


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        (Channel.EMAIL, "first.last+tag@mail.example.co.uk"),
        (Channel.SMS, "+15555550100"),
        (Channel.WEBHOOK, "http://127.0.0.1:9000/hook"),
        (Channel.VOICE, "+15555550100"),
        (Channel.SLACK, "U0123ABCD"),
        (Channel.SLACK, "W0123ABCD"),
    ],
)
def test_usual_addresses_are_valid(channel: Channel, address: str) -> None:
    assert address_problem(channel, address) is None


def test_each_channel_names_the_api_field_of_its_address() -> None:
    assert [c.address_field for c in Channel] == [
        "email",
        "phone_number",
        "url",
        "phone_number",
        "channel",
        "url",
    ]


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        (Channel.VOICE, "5555550100"),
        (Channel.SLACK, "C0123ABCD"),
        (Channel.SLACK, "u0123abcd"),
        (Channel.SLACK, "U0123ABCD\n"),
    ],
)
def test_voice_needs_e164_and_slack_a_member_id(channel: Channel, address: str) -> None:
    assert address_problem(channel, address) is not None


def test_a_policy_refuses_voice_and_slack_addresses_but_accepts_a_user() -> None:
    service_id = uuid4()
    with pytest.raises(InvalidPolicy) as refused:
        build_policy(service_id, [LevelSpec([TargetSpec("voice", "+15555550100")])])
    assert refused.value.details[0].field == "levels.0.targets.0.type"
    with pytest.raises(InvalidPolicy) as bad_id:
        build_policy(service_id, [LevelSpec([TargetSpec("user", "alice")])])
    assert bad_id.value.details[0].field == "levels.0.targets.0.user_id"
    user_id = uuid4()
    policy = build_policy(service_id, [LevelSpec([TargetSpec("USER", str(user_id))])])
    assert policy.levels[0].user_ids == (user_id,)
