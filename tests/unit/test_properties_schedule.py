"""Properties of the final schedule over random layers, restrictions, overrides and zones.

Intervals start in the months where most zones change their clocks (March, April, October,
November), so the daylight saving rules are exercised on most examples. The zones include
half-hour changes (Lord_Howe), changes at midnight (Santiago, Havana), a 45-minute offset
(Chatham) and a negative DST (Dublin).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagerd.domain.schedule import (
    Layer,
    OnCall,
    Override,
    Restriction,
    Rotation,
    RotationType,
    Schedule,
    Shift,
)
from pagerd.domain.schedule_final import final_shifts, on_call_at
from pagerd.domain.schedule_layer import handoff_at, rotation_index
from pagerd.domain.schedule_time import to_local, zone

PEOPLE = [UUID(int=i + 1) for i in range(5)]
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "Asia/Kolkata",
    "America/St_Johns",
]
CLOCKS = [time(h, m) for h, m in [(0, 0), (0, 30), (1, 0), (1, 30), (2, 0), (2, 30), (3, 0)]]
CLOCKS += [time(9, 0), time(17, 0), time(22, 0), time(23, 30)]

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

rotations = st.builds(
    Rotation,
    type=st.sampled_from(list(RotationType)),
    shift_length=st.integers(min_value=1, max_value=3),
    handoff=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(minute=d.minute // 15 * 15, second=0, microsecond=0)
    ),
)
restrictions = st.builds(
    Restriction,
    days=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
    start=st.sampled_from(CLOCKS),
    end=st.sampled_from(CLOCKS),
)
layers = st.builds(
    Layer,
    participants=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4).map(tuple),
    rotation=rotations,
    restrictions=st.lists(restrictions, max_size=2).map(tuple),
)
schedules = st.builds(
    Schedule,
    id=st.just(uuid4()),
    name=st.just("Primary"),
    time_zone=st.sampled_from(ZONES),
    layers=st.lists(layers, min_size=0, max_size=3).map(tuple),
    created_at=st.just(datetime(2024, 1, 1, tzinfo=UTC)),
)


@cache
def clock_changes(zone_name: str) -> list[datetime]:
    """The instants (to the minute) the zone's offset changed in 2025-2026."""
    tz = zone(zone_name)
    changes: list[datetime] = []
    at = datetime(2025, 1, 1, tzinfo=UTC)
    while at.year < 2027:
        later = at + timedelta(hours=1)
        if at.astimezone(tz).utcoffset() != later.astimezone(tz).utcoffset():
            low, high = at, later
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                same = middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            changes.append(high)
        at = later
    return changes or [datetime(2026, 3, 8, 7, tzinfo=UTC)]


@st.composite
def near_a_change(draw: st.DrawFn, zone_name: str, spread_minutes: int) -> datetime:
    """An instant within spread_minutes of one of the zone's clock changes."""
    change = draw(st.sampled_from(clock_changes(zone_name)))
    return change + timedelta(minutes=draw(st.integers(-spread_minutes, spread_minutes)))


@st.composite
def intervals(draw: st.DrawFn, zone_name: str) -> tuple[datetime, datetime]:
    """[start, end) starting within three days of a clock change, lasting up to ten days."""
    start = draw(near_a_change(zone_name, 3 * 1440))
    return start, start + timedelta(minutes=draw(st.integers(min_value=1, max_value=10 * 1440)))


@st.composite
def overrides_within(draw: st.DrawFn, span: tuple[datetime, datetime]) -> list[Override]:
    """Up to four overrides around span, some overlapping each other or its edges."""
    start, end = span
    minutes = int((end - start).total_seconds() // 60)
    made: list[Override] = []
    for number in range(draw(st.integers(min_value=0, max_value=4))):
        begin = start + timedelta(minutes=draw(st.integers(-120, minutes + 60)))
        length = timedelta(minutes=draw(st.integers(min_value=1, max_value=3 * 1440)))
        created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=number)
        user = draw(st.sampled_from(PEOPLE))
        made.append(Override(uuid4(), uuid4(), user, begin, begin + length, created))
    return made


@st.composite
def cases(
    draw: st.DrawFn,
) -> tuple[Schedule, list[Override], tuple[datetime, datetime], frozenset[UUID]]:
    plan = draw(schedules)
    span = draw(intervals(plan.time_zone))
    return (
        plan,
        draw(overrides_within(span)),
        span,
        draw(st.frozensets(st.sampled_from(PEOPLE), max_size=2)),
    )


def probe_instants(shifts: list[Shift], extra: list[datetime]) -> list[datetime]:
    """Each shift's first instant, its last microsecond, its middle, and some chosen ones."""
    instants = list(extra)
    for shift in shifts:
        instants += [
            shift.start_at,
            shift.end_at - timedelta(microseconds=1),
            shift.start_at + (shift.end_at - shift.start_at) / 2,
        ]
    return instants


def shift_at(shifts: list[Shift], at: datetime) -> Shift:
    return shifts[bisect_right([s.start_at for s in shifts], at) - 1]


Case = tuple[Schedule, list[Override], tuple[datetime, datetime], frozenset[UUID]]


@PROPERTY_SETTINGS
@given(cases())
def test_the_shifts_tile_the_interval_without_gaps_or_overlaps(case: Case) -> None:
    plan, overrides, (start, end), unavailable = case
    shifts = final_shifts(plan, overrides, start, end, unavailable)
    assert shifts[0].start_at == start
    assert shifts[-1].end_at == end
    for shift in shifts:
        assert shift.start_at < shift.end_at
    for before, after in pairwise(shifts):
        assert before.end_at == after.start_at
        assert before.on_call != after.on_call  # equal neighbours are merged


@PROPERTY_SETTINGS
@given(cases(), st.lists(st.integers(min_value=0, max_value=10**6), max_size=10))
def test_the_point_query_agrees_with_the_shift_list_at_every_probed_instant(
    case: Case, fractions: list[int]
) -> None:
    plan, overrides, (start, end), unavailable = case
    shifts = final_shifts(plan, overrides, start, end, unavailable)
    chosen = [start + (end - start) * f / 10**6 for f in fractions]
    for at in probe_instants(shifts, [a for a in chosen if a < end]):
        answer = on_call_at(plan, overrides, at, unavailable)
        assert answer == shift_at(shifts, at).on_call
        assert answer.user_id not in unavailable
        assert (answer.user_id is None) == (answer.layer is None and answer.override_id is None)


@PROPERTY_SETTINGS
@given(cases())
def test_overrides_apply_exactly_inside_their_bounds(case: Case) -> None:
    plan, overrides, _, unavailable = case
    usable = [o for o in overrides if o.user_id not in unavailable]
    for override in usable:
        for at in (
            override.start_at - timedelta(microseconds=1),
            override.start_at,
            override.end_at - timedelta(microseconds=1),
            override.end_at,
        ):
            covering = [o for o in usable if o.covers(at)]
            answer = on_call_at(plan, overrides, at, unavailable)
            if covering:
                winner = max(covering, key=lambda o: o.precedence)
                assert answer == OnCall(winner.user_id, None, winner.id)
            else:
                assert answer == on_call_at(plan, [], at, unavailable)


@PROPERTY_SETTINGS
@given(cases())
def test_a_later_layer_wins_wherever_it_has_somebody(case: Case) -> None:
    plan, _, (start, end), unavailable = case
    for shift in final_shifts(plan, [], start, end, unavailable):
        if shift.layer is None:
            continue
        for higher in range(shift.layer + 1, len(plan.layers)):
            alone = replace(plan, layers=(plan.layers[higher],))
            assert on_call_at(alone, [], shift.start_at, unavailable).user_id is None


@st.composite
def wall_clocks_near_changes(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a local wall-clock reading within 90 minutes of one of its changes, often
    skipped or repeated by it."""
    zone_name = draw(st.sampled_from(ZONES))
    at = draw(near_a_change(zone_name, 90))
    return zone_name, to_local(at, zone(zone_name)) + timedelta(minutes=draw(st.integers(-60, 60)))


@PROPERTY_SETTINGS
@given(wall_clocks_near_changes(), rotations, st.integers(min_value=-400, max_value=400))
def test_handoffs_keep_their_wall_clock_time_or_move_forward_to_the_change(
    near: tuple[str, datetime], rotation: Rotation, index: int
) -> None:
    zone_name, wanted = near
    tz = zone(zone_name)
    rotation = replace(rotation, handoff=wanted - rotation.step * index)
    at = handoff_at(rotation, tz, index)
    shown = to_local(at, tz)
    if shown != wanted:  # the wall-clock reading was skipped by a spring-forward change
        assert shown > wanted
        assert to_local(at - timedelta(seconds=1), tz) < wanted
    else:  # a repeated reading is its first occurrence
        assert at == wanted.replace(tzinfo=tz, fold=0).astimezone(UTC)
        assert at <= wanted.replace(tzinfo=tz, fold=1).astimezone(UTC)
    assert handoff_at(rotation, tz, index - 1) <= at <= handoff_at(rotation, tz, index + 1)


@st.composite
def instants_near_changes(draw: st.DrawFn) -> tuple[str, datetime]:
    zone_name = draw(st.sampled_from(ZONES))
    return zone_name, draw(near_a_change(zone_name, 180))


@PROPERTY_SETTINGS
@given(instants_near_changes(), rotations)
def test_the_rotation_index_names_the_shift_holding_the_instant(
    near: tuple[str, datetime], rotation: Rotation
) -> None:
    zone_name, at = near
    tz = zone(zone_name)
    index = rotation_index(rotation, tz, at)
    assert handoff_at(rotation, tz, index) <= at < handoff_at(rotation, tz, index + 1)
