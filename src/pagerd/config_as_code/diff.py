"""What changed between two declared policies, field by field, for people reviewing an apply.

`policy_diff(before, after)` lists lines such as `levels[0].ack_timeout_seconds: 300 -> 600`,
`levels[1].targets[0]: email alice@example.com -> sms +5492664295169`,
`levels[2]: added (webhook https://hooks.example.com/pagerd)` or `repeat: 0 -> 1`.
"""

from __future__ import annotations

from pagerd.config_as_code.model import DeclaredLevel, DeclaredPolicy, DeclaredTarget


def policy_diff(before: DeclaredPolicy, after: DeclaredPolicy) -> list[str]:
    """Every field that differs, in file order; empty when the policies are the same."""
    lines = []
    for index in range(max(len(before.levels), len(after.levels))):
        path = f"levels[{index}]"
        if index >= len(before.levels):
            lines.append(f"{path}: added ({_level(after.levels[index])})")
        elif index >= len(after.levels):
            lines.append(f"{path}: removed ({_level(before.levels[index])})")
        else:
            lines.extend(_level_diff(path, before.levels[index], after.levels[index]))
    if before.repeat != after.repeat:
        lines.append(f"repeat: {before.repeat} -> {after.repeat}")
    return lines


def _level_diff(path: str, before: DeclaredLevel, after: DeclaredLevel) -> list[str]:
    lines = []
    if before.ack_timeout_seconds != after.ack_timeout_seconds:
        lines.append(
            f"{path}.ack_timeout_seconds: {before.ack_timeout_seconds} -> "
            f"{after.ack_timeout_seconds}"
        )
    for index in range(max(len(before.targets), len(after.targets))):
        where = f"{path}.targets[{index}]"
        if index >= len(before.targets):
            lines.append(f"{where}: added ({_target(after.targets[index])})")
        elif index >= len(after.targets):
            lines.append(f"{where}: removed ({_target(before.targets[index])})")
        elif before.targets[index] != after.targets[index]:
            old, new = before.targets[index], after.targets[index]
            lines.append(f"{where}: {_target(old)} -> {_target(new)}")
    return lines


def _level(level: DeclaredLevel) -> str:
    targets = ", ".join(_target(t) for t in level.targets)
    return f"{targets}; ack timeout {level.ack_timeout_seconds} s"


def _target(target: DeclaredTarget) -> str:
    return f"{target.type} {target.address}"
