"""The policy editor's draft (`console.policy_form`): reading the form, editing, error fields."""

from __future__ import annotations

import pytest

from pagerd.domain.errors import FieldError
from pagerd.entrypoints.console.policy_form import (
    LevelRow,
    PolicyDraft,
    TargetRow,
    errors_by_field,
    field_id,
    field_label,
)

SHORT = {"a@example.com": "a", "+14155550123": "+1", "https://hooks.example.com/x": "h", "": ""}


def draft() -> PolicyDraft:
    return PolicyDraft(
        [
            LevelRow("60", [TargetRow("email", "a@example.com"), TargetRow("sms", "+14155550123")]),
            LevelRow("120", [TargetRow("webhook", "https://hooks.example.com/x")]),
        ],
        "2",
    )


def test_a_form_reads_back_into_the_draft_in_index_order() -> None:
    fields = {
        "levels-1-timeout": "120",
        "levels-1-targets-0-type": "webhook",
        "levels-1-targets-0-address": "https://hooks.example.com/x",
        "levels-0-timeout": "60",
        "levels-0-targets-1-type": "sms",
        "levels-0-targets-1-address": "+14155550123",
        "levels-0-targets-0-type": "email",
        "levels-0-targets-0-address": "a@example.com",
        "repeat": "2",
    }

    assert PolicyDraft.from_form(fields) == draft()


def test_gaps_in_indexes_are_closed_and_huge_indexes_ignored() -> None:
    fields = {
        "levels-7-timeout": "60",
        "levels-7-targets-3-type": "email",
        "levels-7-targets-3-address": "a@example.com",
        "levels-99999-timeout": "60",
    }

    read = PolicyDraft.from_form(fields)

    assert read.levels == [LevelRow("60", [TargetRow("email", "a@example.com")])]


@pytest.mark.parametrize(
    ("action", "expected", "focus"),
    [
        ("add_level", [["a", "+1"], ["h"], [""]], "levels-2-targets-0-address"),
        ("add_target:1", [["a", "+1"], ["h", ""]], "levels-1-targets-1-address"),
        ("remove_level:0", [["h"]], "add-level"),
        ("remove_target:0:0", [["+1"], ["h"]], "add-target-0"),
        ("level_down:0", [["h"], ["a", "+1"]], "levels-1-timeout"),
        ("level_up:1", [["h"], ["a", "+1"]], "levels-0-timeout"),
        ("target_down:0:0", [["+1", "a"], ["h"]], "levels-0-targets-1-address"),
        ("target_up:0:1", [["+1", "a"], ["h"]], "levels-0-targets-0-address"),
    ],
)
def test_editing_actions_change_the_draft(
    action: str, expected: list[list[str]], focus: str
) -> None:
    edited = draft()

    assert edited.apply(action) == focus

    short = [[SHORT[t.address] for t in lv.targets] for lv in edited.levels]
    assert short == expected


@pytest.mark.parametrize(
    "action",
    ["level_up:0", "level_down:1", "remove_level:5", "target_up:0:0", "bogus", "add_target:x"],
)
def test_impossible_actions_change_nothing(action: str) -> None:
    edited = draft()

    assert edited.apply(action) is None
    assert edited == draft()


def test_timeouts_and_repeat_that_are_not_whole_numbers_are_named() -> None:
    edited = draft()
    edited.levels[1].timeout = "2m"
    edited.repeat = "-1"

    specs, repeat, problems = edited.to_specs()

    assert [p.field for p in problems] == ["levels.1.ack_timeout_seconds", "repeat"]
    assert [s.ack_timeout_seconds for s in specs] == [60, 1]
    assert repeat == 0


@pytest.mark.parametrize(
    ("path", "field", "label"),
    [
        ("levels.0.targets.1.email", "levels-0-targets-1-address", "Level 1, target 2, address"),
        (
            "levels.2.targets.0.phone_number",
            "levels-2-targets-0-address",
            "Level 3, target 1, address",
        ),
        ("levels.0.targets.0.type", "levels-0-targets-0-type", "Level 1, target 1, channel"),
        ("levels.1.ack_timeout_seconds", "levels-1-timeout", "Level 2, acknowledgement timeout"),
        ("levels.0.targets", "levels-0-targets", "Level 1, targets"),
        ("repeat", "repeat", "Repeat"),
        ("levels", "levels", "Levels"),
    ],
)
def test_domain_error_paths_point_at_form_fields(path: str, field: str, label: str) -> None:
    assert field_id(path) == field
    assert field_label(path) == label


def test_each_field_keeps_its_first_message() -> None:
    problems = [FieldError("repeat", "first"), FieldError("repeat", "second")]

    assert errors_by_field(problems) == {"repeat": "first"}
