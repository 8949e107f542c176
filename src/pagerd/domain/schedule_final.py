"""The final schedule: overrides over layers, later layers over earlier ones.

`on_call_at` answers for one instant in O(layers x restrictions + overrides);
`final_shifts` lists the answers over an interval as stretches that tile it exactly, gaps
included, in time proportional to the shifts it returns. Both take the users who cannot be
paged (disabled or deleted), as anything answering `in`: such a user counts as nobody
wherever they appear, so the layers beneath show through, and where nothing does the
schedule has a gap. Only users the answer depends on are asked about.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from uuid import UUID

from pagerd.domain.schedule import NOBODY, OnCall, Override, Schedule, Shift
from pagerd.domain.schedule_layer import Window, layer_segments, layer_user_at
from pagerd.domain.schedule_time import zone


def on_call_at(
    schedule: Schedule,
    overrides: Iterable[Override],
    at: datetime,
    unavailable: Container[UUID] = frozenset(),
) -> OnCall:
    """Who is on call at the instant `at`, and through which override or layer."""
    winner: Override | None = None
    for override in overrides:
        eligible = override.covers(at) and override.user_id not in unavailable
        if eligible and (winner is None or override.precedence > winner.precedence):
            winner = override
    if winner is not None:
        return OnCall(winner.user_id, None, winner.id)
    tz = zone(schedule.time_zone)
    for index in reversed(range(len(schedule.layers))):
        user = layer_user_at(schedule.layers[index], tz, at, unavailable)
        if user is not None:
            return OnCall(user, index)
    return NOBODY


def final_shifts(
    schedule: Schedule,
    overrides: Iterable[Override],
    start_at: datetime,
    end_at: datetime,
    unavailable: Container[UUID] = frozenset(),
) -> list[Shift]:
    """The final schedule over [start_at, end_at): consecutive stretches, each with one answer
    (a gap has user None), the first starting at start_at and the last ending at end_at.
    Adjacent stretches with the same answer are merged."""
    if start_at >= end_at:
        return []
    span = (start_at, end_at)
    tz = zone(schedule.time_zone)
    sources = [override_segments(overrides, span, unavailable)]
    for index in reversed(range(len(schedule.layers))):
        sources.append(layer_segments(schedule.layers[index], index, tz, span, unavailable))
    return _merge(_stack(sources, span))


def gaps(shifts: Sequence[Shift]) -> list[Shift]:
    """The stretches of a final schedule with nobody on call."""
    return [shift for shift in shifts if shift.user_id is None]


def override_segments(
    overrides: Iterable[Override], span: Window, unavailable: Container[UUID] = frozenset()
) -> list[Shift]:
    """Where overrides hold inside span, as disjoint stretches naming the winning override."""
    start_at, end_at = span
    relevant = sorted(
        (
            o
            for o in overrides
            if o.start_at < end_at and o.end_at > start_at and o.user_id not in unavailable
        ),
        key=lambda o: o.start_at,
    )
    points = sorted({start_at} | {t for o in relevant for t in (o.start_at, o.end_at)})
    points = [t for t in points if start_at <= t < end_at] + [end_at]
    segments: list[Shift] = []
    active: list[Override] = []
    waiting = 0
    for begin, finish in pairwise(points):
        while waiting < len(relevant) and relevant[waiting].start_at <= begin:
            active.append(relevant[waiting])
            waiting += 1
        active = [o for o in active if o.end_at > begin]
        if active:
            winner = max(active, key=lambda o: o.precedence)
            segments.append(Shift(begin, finish, winner.user_id, None, winner.id))
    return segments


def _stack(sources: list[list[Shift]], span: Window) -> list[Shift]:
    """Cut span at every edge of every source; each piece takes the first source (in
    priority order) that has somebody there, or is a gap."""
    start_at, end_at = span
    edges = {start_at, end_at}
    for segments in sources:
        for segment in segments:
            edges.add(segment.start_at)
            edges.add(segment.end_at)
    points = sorted(edges)
    cursors = [0] * len(sources)
    pieces: list[Shift] = []
    for begin, finish in pairwise(points):
        pieces.append(_piece(sources, cursors, begin, finish))
    return pieces


def _piece(sources: list[list[Shift]], cursors: list[int], begin: datetime, end: datetime) -> Shift:
    for number, segments in enumerate(sources):
        cursor = cursors[number]
        while cursor < len(segments) and segments[cursor].end_at <= begin:
            cursor += 1
        cursors[number] = cursor
        if cursor < len(segments) and segments[cursor].start_at <= begin:
            found = segments[cursor]
            return Shift(begin, end, found.user_id, found.layer, found.override_id)
    return Shift(begin, end, None)


def _merge(pieces: list[Shift]) -> list[Shift]:
    merged: list[Shift] = []
    for piece in pieces:
        if merged and merged[-1].on_call == piece.on_call:
            merged[-1] = replace(merged[-1], end_at=piece.end_at)
        else:
            merged.append(piece)
    return merged
