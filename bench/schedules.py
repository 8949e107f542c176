"""Benchmark 7: on-call lookups and a 90-day shift list on a large schedule, in-process.

The schedule: America/New_York, 5 layers over 50 people (a weekly rotation of 20, a daily
business-hours layer of 10, 12-hour day/night shifts of 8, a weekday-night layer of 7, a
weekend layer of 5), 500 overrides of 1 to 48 hours spread over a year, two people disabled.
Lookups are `on_call_at` at random instants over that year (so most cross a clock change
somewhere in their layers' arithmetic); shift lists are `final_shifts` over 90 days from
random starts. The domain code alone: no database, no HTTP.

Baseline in the same run: one UTC -> New York -> UTC round trip through zoneinfo per instant,
the least any DST-correct lookup must do. The ratio says how many such round trips a lookup
costs; a lookup that walked shifts since the handoff would grow with the schedule's age.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from bench.client import percentile
from bench.report import Result, ratio
from bench.schedules_stored import stored_lookups
from bench.timings import Timings
from pagerd.domain.schedule import Override, Schedule, Shift
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec, build_schedule
from pagerd.domain.schedule_final import final_shifts, on_call_at
from pagerd.domain.schedule_time import to_instant, to_local, zone

LOOKUP_P99_TARGET_MS = 5.0
ZONE = "America/New_York"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


def _sizes(quick: bool) -> tuple[int, int]:
    """(lookups, shift lists)."""
    return (2_000, 5) if quick else (20_000, 30)


def build_large_schedule(people: list[UUID]) -> Schedule:
    """5 layers over 50 people, as the module says."""
    layers = [
        LayerSpec(people[0:20], "weekly", 1, "2025-01-06T09:00"),
        LayerSpec(
            people[20:30], "daily", 1, "2025-01-06T09:00",
            [RestrictionSpec(WEEKDAYS, "09:00", "17:00")],
        ),
        LayerSpec(people[30:38], "hourly", 12, "2025-01-06T08:00"),
        LayerSpec(
            people[38:45], "daily", 1, "2025-01-06T22:00",
            [RestrictionSpec(WEEKDAYS, "22:00", "06:00")],
        ),
        LayerSpec(
            people[45:50], "weekly", 1, "2025-01-04T00:00",
            [RestrictionSpec(["sat", "sun"], "00:00", "00:00")],
        ),
    ]  # fmt: skip
    return build_schedule("Large", ZONE, layers, YEAR_START)


def random_overrides(
    rng: random.Random, schedule: Schedule, people: list[UUID], count: int
) -> list[Override]:
    """`count` overrides of 1-48 hours starting anywhere in 2026."""
    made: list[Override] = []
    for number in range(count):
        start = YEAR_START + timedelta(minutes=rng.randrange(365 * 24 * 60))
        end = start + timedelta(hours=rng.randint(1, 48))
        created = YEAR_START + timedelta(seconds=number)
        made.append(Override(uuid4(), schedule.id, rng.choice(people), start, end, created))
    return made


def run_schedules(quick: bool, directory: Path, backends: list[str]) -> Result:
    lookups, lists = _sizes(quick)
    rng = random.Random(15)
    people = [uuid4() for _ in range(50)]
    schedule = build_large_schedule(people)
    overrides = random_overrides(rng, schedule, people, 500)
    unavailable = frozenset(people[3:5])
    instants = [YEAR_START + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(lookups)]
    tz = zone(ZONE)
    base, looked, far, listed = Timings(), Timings(), Timings(), Timings()
    for at in instants:
        base.time(partial(_round_trip, at, tz))
    for at in instants:
        looked.time(partial(on_call_at, schedule, overrides, at, unavailable))
    later = YEAR_START + timedelta(days=365 * 150)
    for _ in range(200):
        far.time(partial(on_call_at, schedule, overrides, later, unavailable))
    shift_lists: list[list[Shift]] = []
    for _ in range(lists):
        start = YEAR_START + timedelta(minutes=rng.randrange(270 * 24 * 60))
        end = start + timedelta(days=90)
        listed.time(
            partial(_list_into, shift_lists, schedule, overrides, (start, end), unavailable)
        )
    result = _report(base, looked, far, listed, [len(shifts) for shifts in shift_lists])
    seed = (schedule, overrides, people)
    for backend in backends:
        stored = Timings()
        stored_lookups(backend, directory, seed, instants[: lookups // 4], stored)
        _report_stored(result, backend, stored, percentile(looked.wall, 50))
    return result


def _report_stored(result: Result, backend: str, stored: Timings, domain_p50: float) -> None:
    n = len(stored.wall)
    result.figures[f"{backend}: lookup p50 / p99 / max ms, wall ({n})"] = _spread(stored.wall)
    result.figures[f"{backend}: lookup p50 / p99 / max ms, this thread's CPU"] = _spread(stored.cpu)
    result.figures[f"{backend}: lookup p50 ratio to the domain alone"] = ratio(
        percentile(stored.wall, 50), domain_p50
    )
    p99 = percentile(stored.wall, 99)
    result.check(
        f"{backend}: stored lookup p99 (wall)",
        f"< {LOOKUP_P99_TARGET_MS:.0f} ms",
        f"{p99:.3f} ms",
        p99 < LOOKUP_P99_TARGET_MS,
    )


def _list_into(
    into: list[list[Shift]],
    schedule: Schedule,
    overrides: list[Override],
    span: tuple[datetime, datetime],
    unavailable: frozenset[UUID],
) -> None:
    into.append(final_shifts(schedule, overrides, span[0], span[1], unavailable))


def _round_trip(at: datetime, tz: ZoneInfo) -> datetime:
    return to_instant(to_local(at, tz), tz)


def _spread(values: list[float], digits: int = 3) -> str:
    return " / ".join(
        f"{v:.{digits}f}" for v in (percentile(values, 50), percentile(values, 99), max(values))
    )


def _report(
    base: Timings, looked: Timings, far: Timings, listed: Timings, sizes: list[int]
) -> Result:
    result = Result("schedules")
    result.figures["schedule"] = "5 layers, 50 people, 500 overrides, America/New_York"
    result.figures["baseline: zoneinfo round trip p50 / p99 / max ms"] = _spread(base.wall, 4)
    n = len(looked.wall)
    result.figures[f"lookup p50 / p99 / max ms, wall ({n} lookups)"] = _spread(looked.wall)
    result.figures[f"lookup p50 / p99 / max ms, CPU ({n} lookups)"] = _spread(looked.cpu)
    p50 = percentile(looked.wall, 50)
    result.figures["lookup p50 ratio to baseline"] = ratio(p50, percentile(base.wall, 50))
    result.figures["lookup 150 years after the handoffs p50 ms"] = f"{percentile(far.wall, 50):.3f}"
    result.figures[f"90-day shift list p50 / p99 / max ms, wall ({len(sizes)} lists)"] = _spread(
        listed.wall, 1
    )
    result.figures["90-day shift list: shifts (min-max)"] = f"{min(sizes)}-{max(sizes)}"
    for kind, values in (("wall", looked.wall), ("CPU", looked.cpu)):
        p99 = percentile(values, 99)
        result.check(
            f"lookup p99 ({kind})",
            f"< {LOOKUP_P99_TARGET_MS:.0f} ms",
            f"{p99:.3f} ms",
            p99 < LOOKUP_P99_TARGET_MS,
        )
    return result
