"""Writing a Configuration in the file format that `parse_configuration` reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

from pagerd.config_as_code.model import (
    FORMAT_VERSION,
    Configuration,
    DeclaredPolicy,
    DeclaredService,
    DeclaredTarget,
    DeclaredUser,
)
from pagerd.config_as_code.schedule_model import DeclaredSchedule
from pagerd.config_as_code.upkeep_model import DeclaredWindow

HEADER = "# pagerd configuration: apply with `pagerd apply -f FILE`\n"
SECRETS_HEADER = (
    "# This file holds integration keys: whoever reads it can send alerts. Keep it secret.\n"
)


def render_configuration(configuration: Configuration) -> str:
    """YAML text that parses back to `configuration`, services in the given order."""
    document: dict[str, Any] = {"version": FORMAT_VERSION}
    if configuration.users:
        document["users"] = [_user(u) for u in configuration.users]
    document["services"] = [_service(s) for s in configuration.services]
    if configuration.schedules:
        document["schedules"] = [_schedule(s) for s in configuration.schedules]
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
    has_secrets = any(s.integration_key is not None for s in configuration.services)
    return HEADER + (SECRETS_HEADER if has_secrets else "") + body


def _user(user: DeclaredUser) -> dict[str, Any]:
    out: dict[str, Any] = {"name": user.name}
    out["contact_methods"] = [
        {"type": m.type, "address": m.address, "label": m.label} for m in user.contact_methods
    ]
    out["notification_rules"] = [
        {"address": r.address, "delay_minutes": r.delay_minutes} for r in user.notification_rules
    ]
    return out


def _service(service: DeclaredService) -> dict[str, Any]:
    out: dict[str, Any] = {"name": service.name}
    if service.integration_key is not None:
        out["integration_key"] = service.integration_key
    if service.escalation_policy is not None:
        out["escalation_policy"] = _policy(service.escalation_policy)
    if service.maintenance_windows is not None:
        out["maintenance_windows"] = [_window(w) for w in service.maintenance_windows]
    if service.heartbeats is not None:
        out["heartbeats"] = [
            {
                "name": h.name,
                "interval_seconds": h.interval_seconds,
                "grace_seconds": h.grace_seconds,
            }
            for h in service.heartbeats
        ]
    return out


def _window(window: DeclaredWindow) -> dict[str, str]:
    out = {"start": rfc3339(window.start_at), "end": rfc3339(window.end_at)}
    if window.reason is not None:
        out["reason"] = window.reason
    return out


def _policy(policy: DeclaredPolicy) -> dict[str, Any]:
    return {
        "repeat": policy.repeat,
        "levels": [
            {
                "ack_timeout_seconds": level.ack_timeout_seconds,
                "targets": [_target(t) for t in level.targets],
            }
            for level in policy.levels
        ],
    }


def _target(target: DeclaredTarget) -> dict[str, str]:
    return {"type": target.type, target.address_field: target.address}


def _schedule(schedule: DeclaredSchedule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        "layers": [
            {
                "participants": list(layer.participants),
                "rotation": {
                    "type": layer.rotation_type,
                    "shift_length": layer.shift_length,
                    "handoff": layer.handoff,
                },
                "restrictions": [
                    {"days": list(r.days), "start": r.start, "end": r.end}
                    for r in layer.restrictions
                ],
            }
            for layer in schedule.layers
        ],
    }
    if schedule.overrides is not None:
        out["overrides"] = [
            {"user": o.user, "start": rfc3339(o.start_at), "end": rfc3339(o.end_at)}
            for o in schedule.overrides
        ]
    return out


def rfc3339(instant: datetime) -> str:
    """An aware instant as RFC 3339 in UTC with a `Z`."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
