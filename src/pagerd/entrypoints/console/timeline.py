"""An alert's timeline in words: each stored entry becomes one line a tired person can read."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pagerd.domain.alert import Alert
from pagerd.domain.policy import PolicyTarget, ScheduleTarget, Target
from pagerd.service_layer.ports import TimelineEntry


@dataclass(frozen=True)
class TimelineLine:
    """One line: when, how serious (`alarm`, `warn`, `page`, `ok`, `info`), and what happened."""

    at: datetime
    tone: str
    text: str
    until: datetime | None = None  # a page's acknowledgement deadline, shown after the text


Describe = Callable[[Mapping[str, Any], Mapping[str, str]], tuple[str, str]]


def describe_timeline(alert: Alert, entries: list[TimelineEntry]) -> list[TimelineLine]:
    """The alert's history, oldest first, in words."""
    targets = _target_addresses(alert)
    lines = []
    for entry in entries:
        describe = _DESCRIBERS.get(entry.type, _describe_other(entry.type))
        tone, text = describe(entry.details, targets)
        lines.append(TimelineLine(entry.at, tone, text, _ack_deadline(entry.details)))
    return lines


def _ack_deadline(details: Mapping[str, Any]) -> datetime | None:
    # Left to the page to write, in its reader's time zone.
    deadline = details.get("ack_deadline")
    if isinstance(deadline, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(deadline)
    return None


def _target_addresses(alert: Alert) -> dict[str, str]:
    if alert.plan is None:
        return {}
    return {str(t.id): _target_words(t) for level in alert.plan.levels for t in level.targets}


def _target_words(target: PolicyTarget) -> str:
    if isinstance(target, Target):
        return f"{target.address} ({target.channel.value})"
    return "a schedule's person on call" if isinstance(target, ScheduleTarget) else "a person"


def _level(details: Mapping[str, Any]) -> str:
    level = details.get("level_id")
    number = level + 1 if isinstance(level, int) else "?"
    passes = details.get("pass")
    suffix = f", pass {passes + 1}" if isinstance(passes, int) and passes > 0 else ""
    return f"level {number}{suffix}"


def _severity(details: Mapping[str, Any]) -> str:
    severity = details.get("severity")
    return f" ({severity})" if isinstance(severity, str) else ""


def _opened(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "alarm", f"Alert opened: “{details.get('message', '')}”{_severity(details)}"


def _joined(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    message = details.get("message", "")
    return (
        "info",
        f"Another alert joined this incident (nobody was paged again): “{message}”"
        + _severity(details),
    )


def _paging_held(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return (
        "warn",
        f"Nobody was paged: severity {details.get('severity', '?')} is below the service's "
        f"paging severity {details.get('paging_severity', '?')}. Level 1 is paged when an "
        "alert at or above it joins.",
    )


def _suppressed(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    until = details.get("until")
    return (
        "warn",
        "Nobody was paged: the service is in a maintenance window"
        + (f" until {str(until).replace('T', ' ')[:16]} UTC" if until else "")
        + ". Level 1 is paged when it ends, if the incident is still open.",
    )


def _maintenance_ended(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "page", "The maintenance window ended with the incident still open: paging starts."


def _escalated(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "page", f"{_who(details)} escalated to the next level now."


def _note(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "info", f"Note by {_who(details)}: {details.get('text', '')}"


def _who(details: Mapping[str, Any]) -> str:
    by = details.get("by")
    return str(by) if by else "someone"


def _no_policy(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "alarm", "Nobody was paged: the service has no escalation policy."


def _notified(details: Mapping[str, Any], targets: Mapping[str, str]) -> tuple[str, str]:
    ids = details.get("target_ids") or []
    who = ", ".join(targets.get(str(i), "a removed target") for i in ids) or "nobody"
    return "page", f"Paged {_level(details)}: {who}."


def _level_failed(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return (
        "alarm",
        f"Every page of {_level(details)} failed, or it could reach nobody; escalating at once.",
    )


def _exhausted(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return (
        "alarm",
        f"Escalation ended after {_level(details)}: nobody is being paged. "
        "The alert stays open until it is resolved or the service is marked healthy.",
    )


def _acknowledged(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    by = details.get("by")
    return "ok", f"Acknowledged by {by}. Escalation stopped." if by else "Acknowledged."


def _key_resolved(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "info", f"The source resolved dedup key {details.get('dedup_key', '')}."


def _resolved(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    reasons = {
        "healthy": "Resolved: the service was marked healthy.",
        "all_dedup_keys_resolved": "Resolved: every source reported the problem resolved.",
        "manual": f"Resolved by {_who(details)}.",
    }
    reason = str(details.get("reason", ""))
    return "ok", reasons.get(reason, f"Resolved ({reason}).")


def _cancelled(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    address = details.get("address", "a target")
    return "info", f"Page to {address} cancelled before it was sent (no longer needed)."


def _recipient(details: Mapping[str, Any]) -> str:
    return f"{details.get('address', 'a target')} ({details.get('channel', '?')})"


def _delivered(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "info", f"Delivered to {_recipient(details)}."


def _delivery_retry(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    attempt = details.get("attempts", "?")
    error = details.get("error") or "unknown error"
    return (
        "warn",
        f"Delivery to {_recipient(details)} failed (attempt {attempt}: {error}); retrying.",
    )


def _delivery_failed(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    attempts = details.get("attempts", "?")
    error = details.get("error") or "unknown error"
    return (
        "alarm",
        f"Delivery to {_recipient(details)} failed for good after {_attempts(attempts)}: {error}.",
    )


def _call_answered(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "info", f"Call to {details.get('address', 'a phone')} answered."


def _attempts(count: object) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def _person(details: Mapping[str, Any]) -> str:
    return str(details.get("user_name") or "a deleted user")


def _user_paged(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    methods = details.get("contact_methods") or []
    plan = ", ".join(
        f"{m.get('type')} {m.get('address')}"
        + (f" after {m.get('delay_minutes')} min" if m.get("delay_minutes") else " at once")
        for m in methods
        if isinstance(m, Mapping)
    )
    return "page", f"Paging {_person(details)} ({_level(details)}): {plan or 'already paged'}."


def _user_unreachable(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    reason = details.get("reason") or "unknown reason"
    return "alarm", f"Could not page {_person(details)} ({_level(details)}): {reason}."


def _schedule_resolved(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    kind = "info" if details.get("user_id") else "alarm"
    return kind, f"On call ({_level(details)}): {details.get('summary') or 'unknown'}."


def _rule_fired(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    where = f"{details.get('type', '?')} {details.get('address', '')}"
    return "page", f"Notification rule of {_person(details)}: paging {where}."


def _rule_cancelled(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
    return "info", f"Later notification rule to {details.get('address', '?')} cancelled."


def _describe_other(kind: str) -> Describe:
    def describe(details: Mapping[str, Any], _: Mapping[str, str]) -> tuple[str, str]:
        text = kind.replace("_", " ").capitalize()
        shown = [f"{k}: {v}" for k, v in details.items() if v not in (None, "", [])]
        return "info", text + (f" ({'; '.join(shown)})" if shown else "") + "."

    return describe


_DESCRIBERS: dict[str, Describe] = {
    "opened": _opened,
    "joined": _joined,
    "no_policy": _no_policy,
    "paging_held": _paging_held,
    "paging_suppressed": _suppressed,
    "maintenance_ended": _maintenance_ended,
    "escalated": _escalated,
    "note": _note,
    "notified": _notified,
    "level_failed": _level_failed,
    "exhausted": _exhausted,
    "acknowledged": _acknowledged,
    "dedup_key_resolved": _key_resolved,
    "resolved": _resolved,
    "notification_cancelled": _cancelled,
    "user_paged": _user_paged,
    "user_unreachable": _user_unreachable,
    "schedule_resolved": _schedule_resolved,
    "notification_rule_fired": _rule_fired,
    "notification_rule_cancelled": _rule_cancelled,
    "delivered": _delivered,
    "delivery_retry": _delivery_retry,
    "delivery_failed": _delivery_failed,
    "call_answered": _call_answered,
}
