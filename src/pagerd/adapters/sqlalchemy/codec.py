"""Rows to domain objects and back: the JSON forms of policies and frozen plans.

Levels are stored as JSON (`[{"ack_timeout_seconds", "targets": [{"id", "channel",
"address"}]}]`) because a policy and the plan frozen from it are read and written whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.engine import RowMapping

from pagerd.adapters.sqlalchemy.attempts_codec import attempts_from_row, attempts_state
from pagerd.domain.accounts import ApiToken, User
from pagerd.domain.ack_code import AckCode
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.context import Link
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.notification import Notification
from pagerd.domain.plan import EscalationPlan
from pagerd.domain.policy import (
    EscalationPolicy,
    Level,
    PolicyTarget,
    ScheduleTarget,
    Target,
    UserTarget,
)
from pagerd.domain.roles import Role
from pagerd.domain.service import IncidentGrouping, MonitoredService, ServiceStatus
from pagerd.domain.severity import Severity
from pagerd.domain.timer import AckTimer
from pagerd.service_layer.ports import TimelineEntry

Row = RowMapping


def levels_to_json(levels: Sequence[Level]) -> list[dict[str, Any]]:
    """The JSON form of escalation levels."""
    return [
        {
            "ack_timeout_seconds": level.ack_timeout.total_seconds(),
            "targets": [target_to_json(t) for t in level.targets],
        }
        for level in levels
    ]


def target_to_json(target: PolicyTarget) -> dict[str, Any]:
    """A target's JSON form: `{"id", "channel", "address"}`, `{"id", "user_id"}` or
    `{"id", "schedule_id"}`."""
    if isinstance(target, UserTarget):
        return {"id": str(target.id), "user_id": str(target.user_id)}
    if isinstance(target, ScheduleTarget):
        return {"id": str(target.id), "schedule_id": str(target.schedule_id)}
    return {"id": str(target.id), "channel": target.channel.value, "address": target.address}


def target_from_json(data: Mapping[str, Any]) -> PolicyTarget:
    """A target from its JSON form."""
    if "user_id" in data:
        return UserTarget(UUID(data["id"]), UUID(data["user_id"]))
    if "schedule_id" in data:
        return ScheduleTarget(UUID(data["id"]), UUID(data["schedule_id"]))
    return Target(UUID(data["id"]), Channel(data["channel"]), data["address"])


def levels_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[Level, ...]:
    """Escalation levels from their JSON form."""
    return tuple(
        Level(
            ack_timeout=timedelta(seconds=item["ack_timeout_seconds"]),
            targets=tuple(target_from_json(t) for t in item["targets"]),
        )
        for item in data
    )


def plan_to_json(plan: EscalationPlan | None) -> dict[str, Any] | None:
    """The JSON form of a frozen plan."""
    if plan is None:
        return None
    return {
        "policy_id": str(plan.policy_id),
        "repeat": plan.repeat,
        "levels": levels_to_json(plan.levels),
    }


def plan_from_json(data: Mapping[str, Any] | None) -> EscalationPlan | None:
    """A frozen plan from its JSON form."""
    if data is None:
        return None
    return EscalationPlan(
        policy_id=UUID(data["policy_id"]),
        levels=levels_from_json(data["levels"]),
        repeat=data["repeat"],
    )


def service_from_row(row: Row) -> MonitoredService:
    return MonitoredService(
        id=row["id"],
        name=row["name"],
        integration_key=row["integration_key"],
        created_at=row["created_at"],
        status=ServiceStatus(row["status"]),
        incident_grouping=IncidentGrouping(row["incident_grouping"]),
        paging_severity=Severity(row["paging_severity"]),
    )


def policy_from_row(row: Row) -> EscalationPolicy:
    return EscalationPolicy(
        id=row["id"],
        monitored_service_id=row["monitored_service_id"],
        levels=levels_from_json(row["levels"]),
        repeat=row["repeat"],
    )


def alert_to_row(alert: Alert) -> dict[str, Any]:
    """Every stored column of an alert except its dedup keys (a table of their own)."""
    return {
        "id": alert.id,
        "monitored_service_id": alert.monitored_service_id,
        "message": alert.message,
        "status": alert.status.value,
        "level": alert.level,
        "pass_number": alert.pass_number,
        "plan": plan_to_json(alert.plan),
        "created_at": alert.created_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by,
        "resolved_at": alert.resolved_at,
        "severity": alert.severity.value,
        "source": alert.source,
        "details": alert.details or None,
        "links": [{"href": link.href, "text": link.text} for link in alert.links] or None,
        "incident_key": alert.incident_key,
        "dedup_key_count": alert.dedup_key_count,
        "dedup_key_seq": alert.dedup_key_seq,
        "escalation_ended_at": alert.escalation_ended_at,
    }


def alert_from_row(row: Row, dedup_keys: list[str]) -> Alert:
    """An alert with the first of its keys (`dedup_keys`, at most KEYS_SHOWN)."""
    return Alert(
        id=row["id"],
        monitored_service_id=row["monitored_service_id"],
        message=row["message"],
        created_at=row["created_at"],
        plan=plan_from_json(row["plan"]),
        status=AlertStatus(row["status"]),
        level=row["level"],
        pass_number=row["pass_number"],
        dedup_keys=dedup_keys,
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        resolved_at=row["resolved_at"],
        severity=Severity(row["severity"]),
        source=row["source"],
        details=dict(row["details"] or {}),
        links=tuple(Link(item["href"], item.get("text") or "") for item in row["links"] or ()),
        incident_key=row["incident_key"],
        dedup_key_count=row["dedup_key_count"],
        dedup_key_seq=row["dedup_key_seq"],
        escalation_ended_at=row["escalation_ended_at"],
    )


def timer_from_row(row: Row) -> AckTimer:
    return AckTimer(
        id=row["id"],
        alert_id=row["alert_id"],
        level=row["level"],
        pass_number=row["pass_number"],
        due_at=row["due_at"],
    )


def notification_state(n: Notification) -> dict[str, Any]:
    """The columns a delivery attempt changes (never the lease: that is the claim's)."""
    return {**attempts_state(n), "message_ref": n.message_ref}


def notification_to_row(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "alert_id": n.alert_id,
        "monitored_service_id": n.monitored_service_id,
        "level": n.level,
        "pass_number": n.pass_number,
        "target_id": n.target_id,
        "channel": n.channel.value,
        "address": n.address,
        "created_at": n.created_at,
        "user_id": n.user_id,
        **notification_state(n),
    }


def notification_from_row(row: Row) -> Notification:
    return Notification(
        id=row["id"],
        alert_id=row["alert_id"],
        monitored_service_id=row["monitored_service_id"],
        level=row["level"],
        pass_number=row["pass_number"],
        target_id=row["target_id"],
        channel=Channel(row["channel"]),
        address=row["address"],
        created_at=row["created_at"],
        user_id=row["user_id"],
        message_ref=row["message_ref"],
        **attempts_from_row(row),
    )


def timeline_from_row(row: Row) -> TimelineEntry:
    return TimelineEntry(
        alert_id=row["alert_id"], at=row["at"], type=row["type"], details=row["details"]
    )


def timeline_to_row(entry: TimelineEntry) -> dict[str, Any]:
    """The columns of a new timeline row (its serial id is the database's)."""
    return {
        "alert_id": entry.alert_id,
        "at": entry.at,
        "type": entry.type,
        "details": entry.details,
    }


def token_from_row(row: Row) -> ApiToken:
    return ApiToken(
        id=row["id"],
        name=row["name"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        user_id=row["user_id"],
    )


def user_from_row(row: Row) -> User:
    return User(
        id=row["id"],
        name=row["username"],
        email=row["email"],
        role=Role(row["role"]),
        time_zone=row["time_zone"],
        created_at=row["created_at"],
        disabled=row["disabled"],
        password_hash=row["password_hash"] or None,  # '' stores "no password"
    )


def dev_message_from_row(row: Row) -> DevMessage:
    return DevMessage(
        id=row["id"],
        channel=Channel(row["channel"]),
        address=row["address"],
        subject=row["subject"],
        body=row["body"],
        idempotency_key=row["idempotency_key"],
        created_at=row["created_at"],
    )


def ack_code_from_row(row: Row) -> AckCode:
    return AckCode(
        code=row["code"],
        alert_id=row["alert_id"],
        address=row["address"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )
