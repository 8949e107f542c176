"""Schedules across daylight saving changes, restrictions, layers and overrides: worked cases.

Each case is checked both ways: the point query (`on_call_at`) and the final shift list.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from pagerd.domain.schedule import OnCall, Schedule, Shift
from pagerd.domain.schedule_final import final_shifts, gaps, on_call_at
from pagerd.domain.schedule_time import zone
from tests.unit.schedule_helpers import (
    ALICE,
    BOB,
    CAROL,
    layer,
    local,
    override,
    restriction,
    schedule,
    utc,
)

SECOND = timedelta(seconds=1)


def staffed(shifts: list[Shift]) -> list[tuple[str, str, object]]:
    """Shifts as (start UTC, end UTC, user) for compact comparisons."""
    return [
        (s.start_at.strftime("%m-%d %H:%M"), s.end_at.strftime("%m-%d %H:%M"), s.user_id)
        for s in shifts
    ]


def who(plan: Schedule, at: str) -> object:
    return on_call_at(plan, [], utc(at)).user_id


# America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.


def test_a_daily_handoff_at_a_nonexistent_time_moves_forward_to_the_clock_change() -> None:
    plan = schedule("America/New_York", layer([ALICE, BOB], "daily", "2026-03-01T02:30"))
    shifts = final_shifts(plan, [], utc("2026-03-07T12:00"), utc("2026-03-09T12:00"))
    assert staffed(shifts) == [
        ("03-07 12:00", "03-08 07:00", ALICE),  # 03-07 02:30 EST was ALICE's (6 days after)
        ("03-08 07:00", "03-09 06:30", BOB),  # 03:00 EDT, then 02:30 EDT the next day
        ("03-09 06:30", "03-09 12:00", ALICE),
    ]
    assert who(plan, "2026-03-08T06:59:59") == ALICE
    assert who(plan, "2026-03-08T07:00") == BOB


def test_a_daily_handoff_at_an_ambiguous_time_happens_once_at_its_first_occurrence() -> None:
    plan = schedule("America/New_York", layer([ALICE, BOB], "daily", "2026-10-31T01:30"))
    shifts = final_shifts(plan, [], utc("2026-11-01T00:00"), utc("2026-11-02T12:00"))
    assert staffed(shifts) == [
        ("11-01 00:00", "11-01 05:30", ALICE),
        ("11-01 05:30", "11-02 06:30", BOB),  # 01:30 EDT to 01:30 EST the next day: 25 hours
        ("11-02 06:30", "11-02 12:00", ALICE),
    ]
    assert who(plan, "2026-11-01T06:30") == BOB  # the second 01:30 is no handoff


def test_a_daily_handoff_keeps_its_wall_clock_time_so_the_spring_day_is_23_hours() -> None:
    plan = schedule("America/New_York", layer([ALICE, BOB], "daily", "2026-03-01T09:00"))
    shifts = final_shifts(
        plan, [], local("2026-03-07T09:00", "America/New_York"), utc("2026-03-09T13:00")
    )
    assert [s.end_at - s.start_at for s in shifts] == [timedelta(hours=23), timedelta(hours=24)]
    assert [s.start_at.astimezone(zone("America/New_York")).hour for s in shifts] == [9, 9]


def test_an_hourly_handoff_in_a_repeated_hour_counts_in_the_second_pass_too() -> None:
    plan = schedule("America/New_York", layer([ALICE, BOB], "hourly", "2026-11-01T00:45"))
    assert who(plan, "2026-11-01T05:44") == ALICE  # 01:44 EDT
    assert who(plan, "2026-11-01T05:45") == BOB  # 01:45 EDT: the handoff, once
    assert who(plan, "2026-11-01T06:30") == BOB  # 01:30 EST: the wall clock reads earlier
    assert who(plan, "2026-11-01T07:45") == ALICE  # 02:45 EST


# Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT (Sundays).


def test_a_weekly_rotation_handing_off_on_the_spring_change_day_moves_to_0200_bst() -> None:
    plan = schedule("Europe/London", layer([ALICE, BOB, CAROL], "weekly", "2026-03-01T01:30"))
    shifts = final_shifts(plan, [], utc("2026-03-22T00:00"), utc("2026-04-06T00:00"))
    assert staffed(shifts) == [
        ("03-22 00:00", "03-22 01:30", CAROL),
        ("03-22 01:30", "03-29 01:00", ALICE),
        ("03-29 01:00", "04-05 00:30", BOB),  # 01:30 does not exist on the 29th: 02:00 BST
        ("04-05 00:30", "04-06 00:00", CAROL),
    ]


def test_a_weekly_rotation_handing_off_on_the_autumn_change_day_hands_off_once() -> None:
    plan = schedule("Europe/London", layer([ALICE, BOB], "weekly", "2026-10-18T01:30"))
    shifts = final_shifts(plan, [], utc("2026-10-18T00:30"), utc("2026-11-01T01:30"))
    assert staffed(shifts) == [
        ("10-18 00:30", "10-25 00:30", ALICE),  # the first 01:30 (BST) on the 25th
        ("10-25 00:30", "11-01 01:30", BOB),  # a week and an hour, to 01:30 GMT
    ]
    assert who(plan, "2026-10-25T01:30") == BOB  # the repeated 01:30 (GMT) is no handoff


# Australia/Lord_Howe: the clocks move by 30 minutes. 2026-10-04 02:00 -> 02:30 (+11:00);
# 2026-04-05 02:00 (+11:00) -> 01:30 (+10:30).


def test_lord_howe_hourly_handoffs_across_the_half_hour_spring_change() -> None:
    plan = schedule("Australia/Lord_Howe", layer([ALICE, BOB, CAROL], "hourly", "2026-10-04T00:00"))
    start = local("2026-10-04T01:00", "Australia/Lord_Howe")
    shifts = final_shifts(plan, [], start, start + timedelta(hours=2))
    assert [(s.user_id, s.end_at - s.start_at) for s in shifts] == [
        (BOB, timedelta(hours=1)),  # 01:00 to the change (02:00 became 02:30)
        (CAROL, timedelta(minutes=30)),  # 02:30 to 03:00: half an hour
        (ALICE, timedelta(minutes=30)),  # 03:00 onwards, clipped to the interval
    ]


def test_lord_howe_hourly_shift_holding_the_repeated_half_hour_lasts_ninety_minutes() -> None:
    plan = schedule("Australia/Lord_Howe", layer([ALICE, BOB], "hourly", "2026-04-05T00:00"))
    start = local("2026-04-05T01:00", "Australia/Lord_Howe")  # 01:00 +11:00
    shifts = final_shifts(plan, [], start, start + timedelta(hours=3))
    assert [(s.user_id, s.end_at - s.start_at) for s in shifts] == [
        (BOB, timedelta(minutes=90)),  # 01:00 +11:00 to 02:00 +10:30
        (ALICE, timedelta(hours=1)),
        (BOB, timedelta(minutes=30)),
    ]


def test_lord_howe_daily_handoff_inside_the_skipped_half_hour_moves_to_0230() -> None:
    plan = schedule("Australia/Lord_Howe", layer([ALICE, BOB], "daily", "2026-10-01T02:15"))
    handoff = local("2026-10-04T02:30", "Australia/Lord_Howe")
    assert on_call_at(plan, [], handoff - SECOND).user_id == ALICE  # 1st, 3rd: ALICE
    assert on_call_at(plan, [], handoff).user_id == BOB


# Restrictions


def test_a_night_restriction_crosses_midnight_from_its_starting_day() -> None:
    nights = restriction("mon,tue,wed,thu,fri", "22:00", "06:00")
    plan = schedule(
        "Europe/Berlin", layer([ALICE], "weekly", "2026-01-05T00:00", restrictions=(nights,))
    )

    def at(text: str) -> UUID | None:
        return on_call_at(plan, [], local(text, "Europe/Berlin")).user_id

    assert at("2026-06-05T23:00") == ALICE  # Friday night
    assert at("2026-06-06T05:59") == ALICE  # Saturday morning, the Friday window
    assert at("2026-06-06T06:00") is None
    assert at("2026-06-06T23:00") is None  # Saturday night: no window starts
    assert at("2026-06-08T05:00") is None  # Monday morning: Sunday started nothing
    assert at("2026-06-08T22:00") == ALICE


def test_a_night_window_over_the_spring_change_lasts_an_hour_less() -> None:
    nights = restriction("sat", "22:00", "06:00")
    plan = schedule(
        "Europe/Berlin", layer([ALICE], "daily", "2026-01-01T12:00", restrictions=(nights,))
    )
    shifts = final_shifts(plan, [], utc("2026-03-28T12:00"), utc("2026-03-29T12:00"))
    assert [s for s in shifts if s.user_id == ALICE] == [
        Shift(utc("2026-03-28T21:00"), utc("2026-03-29T04:00"), ALICE, 0)
    ]


def test_a_night_restriction_splits_a_weekly_shift_into_nights() -> None:
    nights = restriction("mon,tue,wed,thu,fri,sat,sun", "20:00", "08:00")
    plan = schedule(
        "UTC", layer([ALICE, BOB], "weekly", "2026-06-01T12:00", restrictions=(nights,))
    )
    shifts = final_shifts(plan, [], utc("2026-06-07T00:00"), utc("2026-06-09T00:00"))
    assert staffed(shifts) == [
        ("06-07 00:00", "06-07 08:00", ALICE),
        ("06-07 08:00", "06-07 20:00", None),
        ("06-07 20:00", "06-08 08:00", ALICE),
        ("06-08 08:00", "06-08 20:00", None),  # BOB's week begins at 12:00, in the gap
        ("06-08 20:00", "06-09 00:00", BOB),
    ]


# Layers, overrides and unavailable users


def test_a_later_layer_wins_where_it_has_somebody_and_the_earlier_one_shows_elsewhere() -> None:
    weekdays = restriction("mon,tue,wed,thu,fri", "09:00", "17:00")
    plan = schedule(
        "UTC",
        layer([ALICE], "weekly", "2026-06-01T00:00"),
        layer([BOB], "weekly", "2026-06-01T00:00", restrictions=(weekdays,)),
    )
    assert on_call_at(plan, [], utc("2026-06-02T10:00")) == OnCall(BOB, 1)
    assert on_call_at(plan, [], utc("2026-06-02T18:00")) == OnCall(ALICE, 0)
    assert on_call_at(plan, [], utc("2026-06-06T10:00")) == OnCall(ALICE, 0)  # Saturday


def test_an_override_wins_over_every_layer_exactly_inside_its_bounds() -> None:
    plan = schedule("UTC", layer([ALICE], "daily", "2026-06-01T00:00"))
    cover = override(CAROL, utc("2026-06-02T10:00"), utc("2026-06-02T12:00"))
    assert on_call_at(plan, [cover], utc("2026-06-02T09:59:59")).user_id == ALICE
    assert on_call_at(plan, [cover], utc("2026-06-02T10:00")) == OnCall(CAROL, None, cover.id)
    assert on_call_at(plan, [cover], utc("2026-06-02T12:00")).user_id == ALICE
    shifts = final_shifts(plan, [cover], utc("2026-06-02T00:00"), utc("2026-06-03T00:00"))
    assert staffed(shifts) == [
        ("06-02 00:00", "06-02 10:00", ALICE),
        ("06-02 10:00", "06-02 12:00", CAROL),
        ("06-02 12:00", "06-03 00:00", ALICE),
    ]


def test_of_two_overlapping_overrides_the_one_made_last_wins() -> None:
    plan = schedule("UTC", layer([ALICE], "daily", "2026-06-01T00:00"))
    first = override(BOB, utc("2026-06-02T10:00"), utc("2026-06-02T14:00"), created=1)
    second = override(CAROL, utc("2026-06-02T12:00"), utc("2026-06-02T13:00"), created=2)
    shifts = final_shifts(plan, [second, first], utc("2026-06-02T09:00"), utc("2026-06-02T15:00"))
    assert staffed(shifts) == [
        ("06-02 09:00", "06-02 10:00", ALICE),
        ("06-02 10:00", "06-02 12:00", BOB),
        ("06-02 12:00", "06-02 13:00", CAROL),
        ("06-02 13:00", "06-02 14:00", BOB),
        ("06-02 14:00", "06-02 15:00", ALICE),
    ]


def test_a_disabled_users_shifts_are_gaps_where_no_earlier_layer_has_somebody() -> None:
    plan = schedule("UTC", layer([ALICE, BOB], "daily", "2026-06-01T00:00"))
    shifts = final_shifts(
        plan, [], utc("2026-06-01T00:00"), utc("2026-06-03T00:00"), unavailable={BOB}
    )
    assert staffed(gaps(shifts)) == [("06-02 00:00", "06-03 00:00", None)]
    assert on_call_at(plan, [], utc("2026-06-02T05:00"), unavailable={BOB}).user_id is None


def test_an_override_by_a_disabled_user_leaves_the_layers_in_charge() -> None:
    plan = schedule("UTC", layer([ALICE], "daily", "2026-06-01T00:00"))
    cover = override(BOB, utc("2026-06-02T10:00"), utc("2026-06-02T12:00"))
    assert on_call_at(plan, [cover], utc("2026-06-02T11:00"), unavailable={BOB}).user_id == ALICE


def test_the_rotation_extends_before_its_handoff() -> None:
    plan = schedule("UTC", layer([ALICE, BOB, CAROL], "daily", "2026-06-10T00:00"))
    assert who(plan, "2026-06-09T12:00") == CAROL
    assert who(plan, "2026-06-08T12:00") == BOB


@pytest.mark.parametrize("year", [2027, 2076, 2199])
def test_a_lookup_decades_after_the_handoff_counts_days_not_shifts(year: int) -> None:
    plan = schedule("Europe/London", layer([ALICE, BOB, CAROL], "daily", "2026-01-01T09:00"))
    day = date(year, 6, 15)
    turns = (day - date(2026, 1, 1)).days
    assert (
        on_call_at(plan, [], local(f"{day}T08:59", "Europe/London")).user_id
        == [
            ALICE,
            BOB,
            CAROL,
        ][(turns - 1) % 3]
    )
    assert (
        on_call_at(plan, [], local(f"{day}T09:00", "Europe/London")).user_id
        == [
            ALICE,
            BOB,
            CAROL,
        ][turns % 3]
    )
