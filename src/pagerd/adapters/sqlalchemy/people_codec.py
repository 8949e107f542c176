"""Rows to domain objects and back for contact methods, rule timers and test messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

from pagerd.adapters.sqlalchemy.attempts_codec import attempts_from_row, attempts_state
from pagerd.domain.channels import Channel
from pagerd.domain.people import ContactMethod
from pagerd.domain.test_message import TestMessage
from pagerd.domain.timer import RuleTimer

Row = RowMapping


def contact_method_from_row(row: Row) -> ContactMethod:
    return ContactMethod(
        id=row["id"],
        user_id=row["user_id"],
        channel=Channel(row["channel"]),
        address=row["address"],
        label=row["label"],
        created_at=row["created_at"],
    )


def rule_timer_to_row(timer: RuleTimer) -> dict[str, Any]:
    return {
        "id": timer.id,
        "alert_id": timer.alert_id,
        "level": timer.level,
        "pass_number": timer.pass_number,
        "user_id": timer.user_id,
        "contact_method_id": timer.contact_method_id,
        "channel": timer.channel.value,
        "address": timer.address,
        "due_at": timer.due_at,
    }


def rule_timer_from_row(row: Row) -> RuleTimer:
    return RuleTimer(
        id=row["id"],
        alert_id=row["alert_id"],
        level=row["level"],
        pass_number=row["pass_number"],
        user_id=row["user_id"],
        contact_method_id=row["contact_method_id"],
        channel=Channel(row["channel"]),
        address=row["address"],
        due_at=row["due_at"],
    )


def test_message_to_row(m: TestMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "user_id": m.user_id,
        "contact_method_id": m.contact_method_id,
        "channel": m.channel.value,
        "address": m.address,
        "label": m.label,
        "created_at": m.created_at,
        **attempts_state(m),
    }


def test_message_from_row(row: Row) -> TestMessage:
    return TestMessage(
        id=row["id"],
        user_id=row["user_id"],
        contact_method_id=row["contact_method_id"],
        channel=Channel(row["channel"]),
        address=row["address"],
        label=row["label"],
        created_at=row["created_at"],
        **attempts_from_row(row),
    )
