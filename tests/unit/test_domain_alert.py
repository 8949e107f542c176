"""The alert's state machine, on the aggregate alone: what each method changes and records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pagerd.domain.alert import Alert, AlertStatus, TimeoutOutcome
from pagerd.domain.errors import AlertAlreadyResolved
from pagerd.domain.events import (
    Acknowledged,
    AlertEvent,
    AlertJoined,
    AlertOpened,
    DedupKeyResolved,
    EscalationExhausted,
    LevelFailed,
    LevelTriggered,
    NoPolicy,
    Resolved,
)
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.policy import LevelSpec, TargetSpec, build_policy

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _plan(*timeouts: int, repeat: int = 0) -> EscalationPlan:
    levels = [
        LevelSpec([TargetSpec("email", f"level{i}@example.com")], ack_timeout_seconds=t)
        for i, t in enumerate(timeouts)
    ]
    return EscalationPlan.freeze(build_policy(uuid4(), levels, repeat))


def _open(plan: EscalationPlan | None, key: str = "k1") -> Alert:
    return Alert.open(uuid4(), uuid4(), "disk full", key, plan, T0)


def _drain(alert: Alert) -> list[object]:
    events, alert.events = alert.events, []
    return list(events)


def test_opening_an_alert_records_it_and_triggers_level_zero_with_its_timeout() -> None:
    plan = _plan(60, 120)
    alert = _open(plan)

    opened, triggered = _drain(alert)

    assert opened == AlertOpened(alert.id, T0, message="disk full", dedup_key="k1")
    assert isinstance(triggered, LevelTriggered)
    assert (triggered.level, triggered.pass_number) == (0, 0)
    assert triggered.targets == plan.levels[0].targets
    assert triggered.timer_due_at == T0 + timedelta(seconds=60)
    assert (alert.status, alert.level, alert.dedup_keys) == (AlertStatus.OPEN, 0, ["k1"])


def test_opening_an_alert_without_a_plan_records_why_nobody_is_paged() -> None:
    alert = _open(None)

    assert [type(e) for e in _drain(alert)] == [AlertOpened, NoPolicy]
    assert alert.level is None
    assert alert.ack_timeout(0, 0, T0 + timedelta(hours=1)) is TimeoutOutcome.STALE


def test_a_joined_alert_adds_its_key_once_and_is_recorded_every_time() -> None:
    alert = _open(_plan(60))
    _drain(alert)

    alert.join("again", "k2", T0)
    alert.join("and again", "k2", T0)

    assert alert.dedup_keys == ["k1", "k2"]
    assert [e.message for e in _drain(alert) if isinstance(e, AlertJoined)] == [
        "again",
        "and again",
    ]


def test_acknowledge_stops_escalation_once_and_remembers_who() -> None:
    alert = _open(_plan(60, 60))
    _drain(alert)
    later = T0 + timedelta(seconds=30)

    assert alert.acknowledge("alice", later) is True
    assert alert.acknowledge("bob", later + timedelta(seconds=1)) is False

    assert (alert.status, alert.acknowledged_by, alert.acknowledged_at) == (
        AlertStatus.ACKNOWLEDGED,
        "alice",
        later,
    )
    assert _drain(alert) == [Acknowledged(alert.id, later, by="alice")]
    assert alert.ack_timeout(0, 0, T0 + timedelta(seconds=60)) is TimeoutOutcome.STALE
    assert _drain(alert) == []


def test_acknowledging_a_resolved_alert_is_refused() -> None:
    alert = _open(_plan(60))
    alert.resolve("healthy", T0)

    with pytest.raises(AlertAlreadyResolved):
        alert.acknowledge("alice", T0)
    assert alert.acknowledged_at is None


def test_resolve_is_idempotent_and_keeps_the_first_reason() -> None:
    alert = _open(_plan(60))
    _drain(alert)

    assert alert.resolve("healthy", T0) is True
    assert alert.resolve("all_dedup_keys_resolved", T0 + timedelta(seconds=5)) is False

    assert _drain(alert) == [Resolved(alert.id, T0, reason="healthy")]
    assert alert.resolved_at == T0


def test_resolving_the_last_dedup_key_resolves_the_alert() -> None:
    alert = _open(_plan(60), key="a")
    alert.join("b too", "b", T0)
    _drain(alert)

    assert alert.resolve_dedup_key("a", T0) is False
    assert alert.status is AlertStatus.OPEN
    assert alert.resolve_dedup_key("b", T0) is True

    assert alert.status is AlertStatus.RESOLVED
    assert [type(e) for e in _drain(alert)] == [DedupKeyResolved, DedupKeyResolved, Resolved]


def test_resolving_an_unknown_key_or_a_key_of_a_resolved_alert_changes_nothing() -> None:
    alert = _open(_plan(60), key="a")
    _drain(alert)

    assert alert.resolve_dedup_key("zzz", T0) is False
    alert.resolve("healthy", T0)
    _drain(alert)
    assert alert.resolve_dedup_key("a", T0) is False

    assert alert.dedup_keys == ["a"]
    assert _drain(alert) == []


def test_each_timeout_moves_to_the_next_level_with_that_levels_own_timeout() -> None:
    alert = _open(_plan(60, 120, 180))
    _drain(alert)

    assert alert.ack_timeout(0, 0, T0 + timedelta(seconds=60)) is TimeoutOutcome.ESCALATED
    (second,) = _drain(alert)
    assert isinstance(second, LevelTriggered)
    assert second.level == 1
    assert second.timer_due_at == T0 + timedelta(seconds=60 + 120)

    assert alert.ack_timeout(1, 0, T0 + timedelta(seconds=180)) is TimeoutOutcome.ESCALATED
    (third,) = _drain(alert)
    assert isinstance(third, LevelTriggered)
    assert (third.level, third.timer_due_at) == (2, T0 + timedelta(seconds=180 + 180))


def test_the_last_level_timing_out_exhausts_escalation_and_the_alert_stays_open() -> None:
    alert = _open(_plan(60))
    _drain(alert)

    # Escalation ran out: the timeout is EXHAUSTED, not an escalation (nobody is paged).
    outcome = alert.ack_timeout(0, 0, T0 + timedelta(seconds=60))
    assert outcome is TimeoutOutcome.EXHAUSTED
    assert (outcome.changed_alert, outcome.pages_again) == (True, False)

    assert _drain(alert) == [
        EscalationExhausted(alert.id, T0 + timedelta(seconds=60), level=0, pass_number=0)
    ]
    assert (alert.status, alert.level, alert.pass_number) == (AlertStatus.OPEN, 0, 0)


def test_with_repeat_the_last_level_starts_new_passes_at_level_zero_then_stops() -> None:
    alert = _open(_plan(60, 60, repeat=1))
    _drain(alert)

    walk = []
    outcomes = []
    for level, pass_number in [(0, 0), (1, 0), (0, 1), (1, 1)]:
        outcomes.append(alert.ack_timeout(level, pass_number, T0))
        walk += [
            (type(e).__name__, e.level, e.pass_number)
            for e in _drain(alert)
            if isinstance(e, LevelTriggered | EscalationExhausted)
        ]

    assert walk == [
        ("LevelTriggered", 1, 0),
        ("LevelTriggered", 0, 1),
        ("LevelTriggered", 1, 1),
        ("EscalationExhausted", 1, 1),
    ]
    assert outcomes == [
        TimeoutOutcome.ESCALATED,
        TimeoutOutcome.REPEATED,
        TimeoutOutcome.ESCALATED,
        TimeoutOutcome.EXHAUSTED,
    ]
    assert [o.pages_again for o in outcomes] == [True, True, True, False]


def test_a_timer_of_another_level_or_pass_is_stale() -> None:
    alert = _open(_plan(60, 60, repeat=2))
    _drain(alert)

    assert alert.ack_timeout(1, 0, T0) is TimeoutOutcome.STALE
    assert alert.ack_timeout(0, 1, T0) is TimeoutOutcome.STALE
    assert not TimeoutOutcome.STALE.changed_alert
    assert _drain(alert) == []
    assert (alert.level, alert.pass_number) == (0, 0)


def test_a_failed_level_escalates_at_once_and_records_why() -> None:
    alert = _open(_plan(600, 600))
    _drain(alert)
    at = T0 + timedelta(seconds=10)

    assert alert.level_failed(0, 0, at) is True

    failed, triggered = _drain(alert)
    assert failed == LevelFailed(alert.id, at, level=0, pass_number=0)
    assert isinstance(triggered, LevelTriggered)
    assert triggered.level == 1


def test_a_failure_of_a_level_that_is_no_longer_current_changes_nothing() -> None:
    alert = _open(_plan(600, 600))
    alert.ack_timeout(0, 0, T0)
    _drain(alert)

    assert alert.level_failed(0, 0, T0) is False
    assert _drain(alert) == []
    assert alert.level == 1


def test_the_plan_is_a_frozen_copy_of_the_policy() -> None:
    policy = build_policy(uuid4(), [LevelSpec([TargetSpec("sms", "+15555550100")])], repeat=3)

    plan = EscalationPlan.freeze(policy)

    assert (plan.policy_id, plan.levels, plan.repeat) == (policy.id, policy.levels, 3)
    assert plan.levels[0].ack_timeout == timedelta(minutes=15)


def test_every_event_gives_its_timeline_type_and_json_friendly_details() -> None:
    alert = _open(_plan(60), key="a")
    alert.join("again", "b", T0)
    alert.level_failed(0, 0, T0)
    alert.acknowledge("alice", T0)
    alert.resolve_dedup_key("a", T0)
    alert.resolve("healthy", T0)
    no_policy = _open(None)

    entries = [(e.type, e.details()) for e in [*alert.events, *no_policy.events]]

    assert json.loads(json.dumps(entries)) == [list(e) for e in entries]
    assert [t for t, _ in entries] == [
        "opened",
        "notified",
        "joined",
        "level_failed",
        "exhausted",
        "acknowledged",
        "dedup_key_resolved",
        "resolved",
        "opened",
        "no_policy",
    ]
    notified = entries[1][1]
    assert notified["ack_deadline"] == (T0 + timedelta(seconds=60)).isoformat()
    assert notified["target_ids"] == [str(t.id) for t in alert.plan.levels[0].targets]  # type: ignore[union-attr]
    assert (AlertEvent.type, AlertEvent(alert.id, T0).details()) == ("event", {})


def test_an_incident_refuses_a_new_dedup_key_beyond_the_limit_but_joins_a_held_one() -> None:
    from pagerd.domain.alert import MAX_DEDUP_KEYS
    from pagerd.domain.errors import TooManyDedupKeys

    now = datetime(2026, 1, 1, tzinfo=UTC)
    alert = Alert.open(uuid4(), uuid4(), "down", "k0", None, now)
    for n in range(1, MAX_DEDUP_KEYS):
        alert.join("again", f"k{n}", now, held=False)

    with pytest.raises(TooManyDedupKeys):
        alert.join("one more", "new", now, held=False)
    alert.join("repeat", "k5", now, held=True)

    assert alert.dedup_key_count == MAX_DEDUP_KEYS
