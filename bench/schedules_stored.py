"""Part of benchmark 7: the same lookups through pagerd's stores (SQLite, PostgreSQL).

`who_is_on_call` as the API runs it, in-process without HTTP: one unit of work reads the
schedule (its layers as JSON), the overrides holding the instant (an indexed range query) and
the users the answer meets, then the domain answers. The domain-only figures of
bench/schedules.py are the baseline in the same run.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from uuid import UUID

from sqlalchemy.engine import Engine

from bench.process import fresh_database
from bench.timings import Timings
from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from pagerd.domain.accounts import User
from pagerd.domain.schedule import Override, Schedule
from pagerd.service_layer.on_call import who_is_on_call


def stored_lookups(
    backend: str,
    directory: Path,
    seed: tuple[Schedule, list[Override], list[UUID]],
    instants: list[datetime],
    timings: Timings,
) -> None:
    """Store the schedule, its overrides and its people on `backend`, then time a lookup at
    each instant into `timings`."""
    schedule, overrides, people = seed
    with fresh_database(backend, directory) as url:
        engine = create_engine_for(url)
        try:
            with SqlAlchemyUnitOfWork(engine) as uow:
                for number, person in enumerate(people):
                    uow.users.add(User(person, f"user-{number}", "not-a-hash", schedule.created_at))
                uow.schedules.add(schedule)
                for override in overrides:
                    uow.schedules.add_override(override)
                uow.commit()
            for at in instants:
                timings.time(partial(_lookup, engine, schedule.id, at))
        finally:
            engine.dispose()


def _lookup(engine: Engine, schedule_id: UUID, at: datetime) -> None:
    who_is_on_call(SqlAlchemyUnitOfWork(engine), schedule_id, at)
