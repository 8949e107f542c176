"""The event log's translation of facts into log records (the real `logging`, captured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pagerd.adapters.event_log import LoggingObserver
from pagerd.domain.alert import TimeoutOutcome
from pagerd.domain.timer import AckTimer, FiredTimer
from pagerd.service_layer.ports import TimelineEntry

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_timeline_details_never_clash_with_a_records_own_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    alert_id = uuid4()
    details = {"message": "db down", "levelname": "x", "alert_id": "other", "by": "bob"}

    with caplog.at_level("INFO", logger="pagerd.events"):
        LoggingObserver().alert_history_committed([TimelineEntry(alert_id, AT, "noted", details)])

    [record] = caplog.records
    assert record.getMessage() == "noted"
    assert record.levelname == "INFO"
    assert vars(record)["event"] == "alert.noted"
    assert vars(record)["alert_id"] == alert_id
    assert vars(record)["alert_message"] == "db down"
    assert vars(record)["detail_levelname"] == "x"
    assert vars(record)["detail_alert_id"] == "other"
    assert vars(record)["by"] == "bob"


def test_delivery_entries_are_left_to_the_page_events_and_warnings_are_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    alert_id = uuid4()
    entries = [
        TimelineEntry(alert_id, AT, "delivered", {"notification_id": "n"}),
        TimelineEntry(alert_id, AT, "exhausted", {"level_id": 1, "pass": 0}),
    ]

    with caplog.at_level("INFO", logger="pagerd.events"):
        LoggingObserver().alert_history_committed(entries)

    assert [(r.levelname, vars(r)["event"]) for r in caplog.records] == [
        ("WARNING", "alert.exhausted")
    ]


@pytest.mark.parametrize(
    ("outcome", "events"),
    [
        (TimeoutOutcome.ESCALATED, [("alert.escalated", "escalated")]),
        (TimeoutOutcome.REPEATED, [("alert.escalated", "repeated")]),
        # Nobody more to page: not an escalation (the timeline's `alert.exhausted` says it).
        (TimeoutOutcome.EXHAUSTED, []),
        (TimeoutOutcome.STALE, []),
    ],
)
def test_only_a_timeout_that_paged_a_level_is_logged_as_an_escalation(
    caplog: pytest.LogCaptureFixture, outcome: TimeoutOutcome, events: list[tuple[str, str]]
) -> None:
    fired = FiredTimer(AckTimer.arm(uuid4(), 1, 0, AT), timedelta(seconds=2), outcome)

    with caplog.at_level("INFO", logger="pagerd.events"):
        LoggingObserver().timer_fired(fired)

    assert [(vars(r)["event"], vars(r)["outcome"]) for r in caplog.records] == events
