"""The escalation-policy editor as data: a draft read from the form, edited, validated.

The editor works without JavaScript: every button (add, remove, move a level or a target)
submits the whole form with an `action`, the server applies it to the draft and renders the
draft again; only `save` stores it, through `put_policy`. Form fields are named
`levels-<i>-timeout`, `levels-<i>-targets-<j>-type`, `levels-<i>-targets-<j>-address` and
`repeat`; errors from `build_policy` (`levels.0.targets.1.email`) map back onto them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pagerd.domain.channels import policy_channels
from pagerd.domain.errors import FieldError
from pagerd.domain.policy import (
    DEFAULT_ACK_TIMEOUT,
    MAX_LEVELS,
    MAX_TARGETS_PER_LEVEL,
    SCHEDULE_TARGET,
    USER_TARGET,
    EscalationPolicy,
    LevelSpec,
    PolicyTarget,
    ScheduleTarget,
    TargetSpec,
    UserTarget,
)

_LEVEL_KEY = re.compile(r"^levels-(\d{1,3})-timeout$")
_TARGET_KEY = re.compile(r"^levels-(\d{1,3})-targets-(\d{1,3})-type$")
_ERROR_PATH = re.compile(r"^levels\.(\d+)(?:\.(ack_timeout_seconds|targets)(?:\.(\d+)\.(\w+))?)?$")
T = TypeVar("T")
DEFAULT_TIMEOUT = str(int(DEFAULT_ACK_TIMEOUT.total_seconds()))


@dataclass
class TargetRow:
    """A target as typed: channel and address, unvalidated."""

    type: str = policy_channels()[0].value
    address: str = ""

    @classmethod
    def of(cls, target: PolicyTarget) -> TargetRow:
        """A stored target as the editor shows it; a user (schedule) target's address is the
        user's (schedule's) id."""
        if isinstance(target, UserTarget):
            return cls(USER_TARGET, str(target.user_id))
        if isinstance(target, ScheduleTarget):
            return cls(SCHEDULE_TARGET, str(target.schedule_id))
        return cls(target.channel.value, target.address)


@dataclass
class LevelRow:
    """A level as typed: its timeout (text, in seconds) and its targets."""

    timeout: str = DEFAULT_TIMEOUT
    targets: list[TargetRow] = field(default_factory=lambda: [TargetRow()])


@dataclass
class PolicyDraft:
    """The whole editor: levels and the repeat count, as typed."""

    levels: list[LevelRow] = field(default_factory=lambda: [LevelRow()])
    repeat: str = "0"

    @classmethod
    def from_policy(cls, policy: EscalationPolicy) -> PolicyDraft:
        """The stored policy, ready to edit."""
        levels = [
            LevelRow(
                str(int(level.ack_timeout.total_seconds())),
                [TargetRow.of(t) for t in level.targets],
            )
            for level in policy.levels
        ]
        return cls(levels, str(policy.repeat))

    @classmethod
    def from_form(cls, fields: Mapping[str, str]) -> PolicyDraft:
        """The draft a submitted form describes; missing parts read as empty."""
        level_ids = sorted({int(m[1]) for k in fields if (m := _LEVEL_KEY.match(k))})
        levels = []
        for i in level_ids[:MAX_LEVELS]:
            target_ids = sorted(
                {int(m[2]) for k in fields if (m := _TARGET_KEY.match(k)) and int(m[1]) == i}
            )
            targets = [
                TargetRow(
                    fields.get(f"levels-{i}-targets-{j}-type", ""),
                    fields.get(f"levels-{i}-targets-{j}-address", ""),
                )
                for j in target_ids[:MAX_TARGETS_PER_LEVEL]
            ]
            levels.append(LevelRow(fields.get(f"levels-{i}-timeout", ""), targets))
        return cls(levels, fields.get("repeat", "0"))

    def apply(self, action: str) -> str | None:
        """Apply an editing action; return the id of the field to focus, or None.

        Actions: `add_level`, `add_target:<i>`, `add_person:<i>` (a user target),
        `remove_level:<i>`, `remove_target:<i>:<j>`, `level_up:<i>`, `level_down:<i>`,
        `target_up:<i>:<j>`, `target_down:<i>:<j>`.
        Unknown actions or positions change nothing.
        """
        name, *args = action.split(":")
        try:
            numbers = [int(a) for a in args]
            return _ACTIONS[name](self, *numbers)
        except (KeyError, ValueError, IndexError, TypeError):
            return None

    def to_specs(self) -> tuple[list[LevelSpec], int, list[FieldError]]:
        """The draft as use-case input, and the fields that are not even numbers."""
        problems: list[FieldError] = []
        specs = []
        for i, level in enumerate(self.levels):
            seconds = _whole_number(level.timeout)
            if seconds is None:
                path = f"levels.{i}.ack_timeout_seconds"
                problems.append(FieldError(path, "must be a whole number of seconds"))
            targets = [TargetSpec(t.type, t.address) for t in level.targets]
            specs.append(LevelSpec(targets, seconds if seconds is not None else 1))
        repeat = _whole_number(self.repeat)
        if repeat is None:
            problems.append(FieldError("repeat", "must be a whole number from 0 to 9"))
        return specs, repeat if repeat is not None else 0, problems


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _add_level(draft: PolicyDraft) -> str | None:
    if len(draft.levels) >= MAX_LEVELS:
        return None
    draft.levels.append(LevelRow())
    return f"levels-{len(draft.levels) - 1}-targets-0-address"


def _add_target(draft: PolicyDraft, i: int) -> str | None:
    targets = draft.levels[i].targets
    if len(targets) >= MAX_TARGETS_PER_LEVEL:
        return None
    targets.append(TargetRow())
    return f"levels-{i}-targets-{len(targets) - 1}-address"


def _add_person(draft: PolicyDraft, i: int) -> str | None:
    targets = draft.levels[i].targets
    if len(targets) >= MAX_TARGETS_PER_LEVEL:
        return None
    targets.append(TargetRow(USER_TARGET, ""))
    return f"levels-{i}-targets-{len(targets) - 1}-address"


def _remove_level(draft: PolicyDraft, i: int) -> str | None:
    del draft.levels[_index(draft.levels, i)]
    return "add-level"


def _remove_target(draft: PolicyDraft, i: int, j: int) -> str | None:
    targets = draft.levels[i].targets
    del targets[_index(targets, j)]
    return f"add-target-{i}"


def _move_level(draft: PolicyDraft, i: int, step: int) -> str | None:
    j = _swap(draft.levels, i, step)
    return f"levels-{j}-timeout"


def _move_target(draft: PolicyDraft, i: int, j: int, step: int) -> str | None:
    k = _swap(draft.levels[i].targets, j, step)
    return f"levels-{i}-targets-{k}-address"


def _index(items: Sequence[object], i: int) -> int:
    if not 0 <= i < len(items):
        raise IndexError(i)
    return i


def _swap(items: list[T], i: int, step: int) -> int:
    j = i + step
    _index(items, i)
    _index(items, j)
    items[i], items[j] = items[j], items[i]
    return j


_ACTIONS: dict[str, Callable[..., str | None]] = {
    "add_level": _add_level,
    "add_target": _add_target,
    "add_person": _add_person,
    "remove_level": _remove_level,
    "remove_target": _remove_target,
    "level_up": lambda d, i: _move_level(d, i, -1),
    "level_down": lambda d, i: _move_level(d, i, 1),
    "target_up": lambda d, i, j: _move_target(d, i, j, -1),
    "target_down": lambda d, i, j: _move_target(d, i, j, 1),
}


def field_id(path: str) -> str:
    """The form field an error path names: `levels.0.targets.1.email` ->
    `levels-0-targets-1-address`; `levels.0.targets` -> `levels-0-targets`."""
    match = _ERROR_PATH.match(path)
    if match is None:
        return path
    level, part, target, _ = match.groups()
    if part is None:
        return f"levels-{level}"
    if part == "ack_timeout_seconds":
        return f"levels-{level}-timeout"
    if target is None:
        return f"levels-{level}-targets"
    suffix = "type" if match[4] == "type" else "address"
    return f"levels-{level}-targets-{target}-{suffix}"


def field_label(path: str) -> str:
    """Words for a field, counted from 1: `Level 1, target 2, address`."""
    match = _ERROR_PATH.match(path)
    if match is None:
        return {"repeat": "Repeat", "levels": "Levels"}.get(path, path)
    level, part, target, name = match.groups()
    words = f"Level {int(level) + 1}"
    if part == "ack_timeout_seconds":
        return words + ", acknowledgement timeout"
    if part == "targets" and target is None:
        return words + ", targets"
    if target is not None:
        what = {"type": "channel", "user_id": "person"}.get(name, "address")
        return words + f", target {int(target) + 1}, {what}"
    return words


def errors_by_field(problems: list[FieldError]) -> dict[str, str]:
    """The first message for each form field."""
    found: dict[str, str] = {}
    for problem in problems:
        found.setdefault(field_id(problem.field), problem.message)
    return found
