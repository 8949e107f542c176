"""Writing a Configuration in the file format that `parse_configuration` reads."""

from __future__ import annotations

from typing import Any

import yaml

from pagerd.config_as_code.model import (
    FORMAT_VERSION,
    Configuration,
    DeclaredPolicy,
    DeclaredService,
    DeclaredTarget,
)

HEADER = "# pagerd configuration: apply with `pagerd apply -f FILE`\n"


def render_configuration(configuration: Configuration) -> str:
    """YAML text that parses back to `configuration`, services in the given order."""
    document = {
        "version": FORMAT_VERSION,
        "services": [_service(s) for s in configuration.services],
    }
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return HEADER + body


def _service(service: DeclaredService) -> dict[str, Any]:
    out: dict[str, Any] = {"name": service.name}
    if service.escalation_policy is not None:
        out["escalation_policy"] = _policy(service.escalation_policy)
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
