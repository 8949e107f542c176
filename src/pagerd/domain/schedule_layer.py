"""One layer's answer: its rotation's turn at an instant, masked by its restrictions.

Every query costs O(restrictions) zone conversions plus a constant: the rotation's shift index
comes from wall-clock arithmetic (then at most a step or two of correction near a clock
change), never from walking shifts since the handoff.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pagerd.domain.schedule import Layer, Restriction, Rotation, Shift
from pagerd.domain.schedule_time import to_instant, to_local

Window = tuple[datetime, datetime]
_ONE_DAY = timedelta(days=1)


def handoff_at(rotation: Rotation, tz: ZoneInfo, index: int) -> datetime:
    """The instant shift `index` starts (shift 0 starts at the rotation's handoff)."""
    return to_instant(rotation.handoff + rotation.step * index, tz)


def rotation_index(rotation: Rotation, tz: ZoneInfo, at: datetime) -> int:
    """The index of the shift holding `at`: handoff_at(i) <= at < handoff_at(i + 1).

    The wall-clock estimate can be one too low in the second pass of a repeated hour (the
    clock reads earlier than a handoff already made); the first loop corrects it. The second
    only guards the contract should a zone's rules ever make the estimate too high.
    """
    index = (to_local(at, tz) - rotation.handoff) // rotation.step
    while handoff_at(rotation, tz, index + 1) <= at:
        index += 1
    while handoff_at(rotation, tz, index) > at:
        index -= 1
    return index


def restriction_windows(
    restrictions: tuple[Restriction, ...], tz: ZoneInfo, first_day: date, last_day: date
) -> list[Window]:
    """The windows starting on local days first_day..last_day, as sorted disjoint instants."""
    windows: list[Window] = []
    day = first_day
    while day <= last_day:
        for restriction in restrictions:
            if day.weekday() in restriction.days:
                window = _window(restriction, tz, day)
                if window[0] < window[1]:
                    windows.append(window)
        day += _ONE_DAY
    return _union(sorted(windows))


def _window(restriction: Restriction, tz: ZoneInfo, day: date) -> Window:
    end_day = day + _ONE_DAY if restriction.crosses_midnight else day
    start = to_instant(datetime.combine(day, restriction.start), tz)
    return start, to_instant(datetime.combine(end_day, restriction.end), tz)


def _union(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def within_restrictions(layer: Layer, tz: ZoneInfo, at: datetime) -> bool:
    """Whether the layer is active at `at` (always, when it has no restrictions).

    A window lasts at most a day and a bit, so only windows starting on the local day of
    `at` or the day before can hold it.
    """
    if not layer.restrictions:
        return True
    today = to_local(at, tz).date()
    windows = restriction_windows(layer.restrictions, tz, today - _ONE_DAY, today)
    return any(start <= at < end for start, end in windows)


def layer_user_at(
    layer: Layer, tz: ZoneInfo, at: datetime, unavailable: Container[UUID]
) -> UUID | None:
    """Who the layer has at `at`: None outside its restrictions or for an unavailable user."""
    if not layer.participants or not within_restrictions(layer, tz, at):
        return None
    index = rotation_index(layer.rotation, tz, at)
    user = layer.participants[index % len(layer.participants)]
    return None if user in unavailable else user


def layer_segments(
    layer: Layer,
    layer_index: int,
    tz: ZoneInfo,
    span: Window,
    unavailable: Container[UUID],
) -> list[Shift]:
    """The layer's staffed stretches inside span = [start, end), sorted and disjoint."""
    start_at, end_at = span
    if not layer.participants or start_at >= end_at:
        return []
    turns = _rotation_turns(layer, tz, span, unavailable)
    if not layer.restrictions:
        return [Shift(s, e, user, layer_index) for s, e, user in turns]
    first_day = to_local(start_at, tz).date() - _ONE_DAY
    last_day = to_local(end_at, tz).date() + _ONE_DAY
    windows = restriction_windows(layer.restrictions, tz, first_day, last_day)
    return [Shift(s, e, user, layer_index) for s, e, user in _intersect(turns, windows)]


def _rotation_turns(
    layer: Layer, tz: ZoneInfo, span: Window, unavailable: Container[UUID]
) -> list[tuple[datetime, datetime, UUID]]:
    start_at, end_at = span
    rotation, people = layer.rotation, layer.participants
    index = rotation_index(rotation, tz, start_at)
    turn_start = handoff_at(rotation, tz, index)
    turns: list[tuple[datetime, datetime, UUID]] = []
    while turn_start < end_at:
        turn_end = handoff_at(rotation, tz, index + 1)
        user = people[index % len(people)]
        begin, finish = max(turn_start, start_at), min(turn_end, end_at)
        if begin < finish and user not in unavailable:
            turns.append((begin, finish, user))
        index, turn_start = index + 1, turn_end
    return turns


def _intersect(
    turns: list[tuple[datetime, datetime, UUID]], windows: list[Window]
) -> list[tuple[datetime, datetime, UUID]]:
    """The parts of each turn inside a window (both lists sorted and disjoint)."""
    result: list[tuple[datetime, datetime, UUID]] = []
    w = 0
    for turn_start, turn_end, user in turns:
        while w < len(windows) and windows[w][1] <= turn_start:
            w += 1
        v = w
        while v < len(windows) and windows[v][0] < turn_end:
            begin, finish = max(turn_start, windows[v][0]), min(turn_end, windows[v][1])
            if begin < finish:
                result.append((begin, finish, user))
            v += 1
    return result
