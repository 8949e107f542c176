"""Gaps of declared schedules, computed from the file alone (no database): every named user
counts as available, the declared overrides apply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from pagerd.config_as_code.schedule_model import DeclaredSchedule
from pagerd.domain.schedule import Override, Shift
from pagerd.domain.schedule_build import build_schedule
from pagerd.domain.schedule_final import final_shifts, gaps

GAP_HORIZON = timedelta(days=28)


@dataclass(frozen=True)
class DeclaredGaps:
    """A declared schedule and when it has nobody on call."""

    schedule: str
    gaps: list[Shift]


def declared_schedule_gaps(
    schedules: Sequence[DeclaredSchedule], now: datetime, horizon: timedelta = GAP_HORIZON
) -> list[DeclaredGaps]:
    """The declared schedules with nobody on call at some time in [now, now + horizon)."""
    found: list[DeclaredGaps] = []
    for declared in schedules:
        ids = {name: str(_stand_in(name)) for name in declared.usernames()}
        specs = [layer.spec(ids) for layer in declared.layers]
        schedule = build_schedule(declared.name, declared.time_zone, specs, now)
        overrides = [
            Override(_stand_in(f"{i}"), schedule.id, _stand_in(o.user), o.start_at, o.end_at, now)
            for i, o in enumerate(declared.overrides or ())
        ]
        empty = gaps(final_shifts(schedule, overrides, now, now + horizon))
        if empty:
            found.append(DeclaredGaps(declared.name, empty))
    return found


def _stand_in(name: str) -> UUID:
    """A stable id standing in for a username (or an override's position)."""
    return uuid5(NAMESPACE_URL, f"pagerd:{name}")
