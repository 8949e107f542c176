"""Group commit on SQLite: units of a burst share one durable commit, and none of them is
told "committed" before that commit is on disk."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.group_commit import GroupCommitFailed, GroupCommitter
from pagerd.service_layer.errors import ConcurrencyConflict

WAIT = 10.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    built = create_engine_for(f"sqlite:///{tmp_path / 'group.db'}")
    with built.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (v INTEGER PRIMARY KEY)")
    yield built
    built.dispose()


def committed_values(engine: Engine) -> list[int]:
    """What another connection sees: only what was committed."""
    with engine.connect() as connection:
        return [row[0] for row in connection.exec_driver_sql("SELECT v FROM t ORDER BY v")]


def count_commits(engine: Engine) -> list[str]:
    log: list[str] = []
    event.listen(engine, "commit", lambda _c: log.append("COMMIT"))
    return log


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def insert_unit(committer: GroupCommitter, value: int, log: list[str]) -> None:
    connection = committer.join()
    connection.exec_driver_sql(f"INSERT INTO t VALUES ({value})")
    committer.commit()
    log.append(f"returned {value}")


def start(target: Callable[..., None], *args: Any) -> threading.Thread:
    thread = threading.Thread(target=target, args=args)
    thread.start()
    return thread


def test_units_queued_behind_a_turn_share_one_commit_that_precedes_every_return(
    engine: Engine,
) -> None:
    committer = GroupCommitter(engine)
    log = count_commits(engine)
    first = committer.join()  # hold the turn while three others queue up
    first.exec_driver_sql("INSERT INTO t VALUES (0)")
    others = [start(insert_unit, committer, v, log) for v in (1, 2, 3)]
    wait_until(lambda: committer._waiting == 3)
    committer.commit()
    log.append("returned 0")
    for thread in others:
        thread.join(WAIT)
    assert log[0] == "COMMIT"
    assert log.count("COMMIT") == 1
    assert sorted(log[1:]) == ["returned 0", "returned 1", "returned 2", "returned 3"]
    assert committed_values(engine) == [0, 1, 2, 3]


def test_a_lone_unit_commits_at_once(engine: Engine) -> None:
    committer = GroupCommitter(engine)
    log = count_commits(engine)
    insert_unit(committer, 7, log)
    assert log == ["COMMIT", "returned 7"]
    assert committed_values(engine) == [7]


def test_an_abandoned_unit_loses_only_its_own_changes(engine: Engine) -> None:
    committer = GroupCommitter(engine)
    log = count_commits(engine)
    first = committer.join()
    first.exec_driver_sql("INSERT INTO t VALUES (1)")
    abandoning = threading.Event()

    def abandoned_unit() -> None:
        connection = committer.join()
        connection.exec_driver_sql("INSERT INTO t VALUES (2)")
        abandoning.set()
        committer.abandon()

    threads = [start(abandoned_unit)]
    wait_until(lambda: committer._waiting == 1)
    threads.append(start(insert_unit, committer, 3, log))
    wait_until(lambda: committer._waiting == 2)
    committer.commit()
    for thread in threads:
        thread.join(WAIT)
    assert abandoning.is_set()
    assert committed_values(engine) == [1, 3]
    assert log.count("COMMIT") == 1


def test_a_group_is_committed_when_full_even_with_units_waiting(engine: Engine) -> None:
    committer = GroupCommitter(engine, max_group=2)
    log = count_commits(engine)
    first = committer.join()
    first.exec_driver_sql("INSERT INTO t VALUES (0)")
    others = [start(insert_unit, committer, v, log) for v in (1, 2, 3)]
    wait_until(lambda: committer._waiting == 3)
    committer.commit()
    for thread in others:
        thread.join(WAIT)
    assert log.count("COMMIT") == 2
    assert committed_values(engine) == [0, 1, 2, 3]


def test_a_failed_shared_commit_fails_every_unit_in_it_and_keeps_nothing(
    engine: Engine,
) -> None:
    committer = GroupCommitter(engine)
    errors: list[BaseException] = []

    def fail_commit(_connection: Any) -> None:
        raise OSError("disk I/O error")

    event.listen(engine, "commit", fail_commit)

    def unit(value: int) -> None:
        try:
            insert_unit(committer, value, [])
        except GroupCommitFailed as exc:
            errors.append(exc)

    first = committer.join()
    first.exec_driver_sql("INSERT INTO t VALUES (0)")
    others = [start(unit, v) for v in (1, 2)]
    wait_until(lambda: committer._waiting == 2)
    with pytest.raises(GroupCommitFailed):
        committer.commit()
    for thread in others:
        thread.join(WAIT)
    event.remove(engine, "commit", fail_commit)
    assert len(errors) == 2
    assert committed_values(engine) == []
    insert_unit(committer, 9, [])  # the next group starts afresh
    assert committed_values(engine) == [9]


def test_a_lost_race_inside_a_unit_leaves_the_group_whole(engine: Engine) -> None:
    committer = GroupCommitter(engine)
    first = committer.join()
    first.exec_driver_sql("INSERT INTO t VALUES (1)")
    raised: list[BaseException] = []

    def duplicate_unit() -> None:
        connection = committer.join()
        try:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        except sa.exc.IntegrityError as exc:
            raised.append(exc)
        committer.abandon()

    thread = start(duplicate_unit)
    wait_until(lambda: committer._waiting == 1)
    committer.commit()
    thread.join(WAIT)
    assert len(raised) == 1
    assert committed_values(engine) == [1]


def test_a_reader_that_saw_pending_writes_leaves_only_after_they_are_committed(
    engine: Engine,
) -> None:
    committer = GroupCommitter(engine)
    log = count_commits(engine)
    seen: list[int] = []
    has_read = threading.Event()

    def reader() -> None:
        connection = committer.join()
        seen.extend(row[0] for row in connection.exec_driver_sql("SELECT v FROM t"))
        has_read.set()
        wait_until(lambda: committer._waiting == 1)  # a writer queued behind the reader
        committer.abandon()
        log.append("reader left")

    first = committer.join()
    first.exec_driver_sql("INSERT INTO t VALUES (5)")
    threads = [start(reader)]
    wait_until(lambda: committer._waiting == 1)

    def commit_first() -> None:
        committer.commit()
        log.append("returned 5")

    threads.append(start(commit_first))
    has_read.wait(WAIT)
    threads.append(start(insert_unit, committer, 6, log))
    for thread in threads:
        thread.join(WAIT)
    assert seen == [5]
    assert log.count("COMMIT") == 1
    assert log.index("COMMIT") < log.index("reader left")
    assert committed_values(engine) == [5, 6]


def test_a_busy_database_is_a_lost_race_and_frees_the_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = create_engine_for(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (v INTEGER PRIMARY KEY)")
    other = sa.create_engine(url, connect_args={"timeout": 0})
    blocker = other.connect()
    blocker.exec_driver_sql("BEGIN IMMEDIATE")  # another process holds the write lock
    busy = create_engine_for(url)
    busy.pool.dispose()
    event.listen(
        busy, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA busy_timeout=0"), insert=False
    )
    committer = GroupCommitter(busy)
    with pytest.raises(ConcurrencyConflict):
        committer.join()
    blocker.rollback()
    blocker.close()
    insert_unit(committer, 1, [])
    assert committed_values(engine) == [1]
    for built in (engine, other, busy):
        built.dispose()


def unit_noting_its_turn(
    committer: GroupCommitter, value: int, log: list[str], urgent: bool
) -> None:
    connection = committer.join(urgent=urgent)
    log.append(f"turn {value}")
    connection.exec_driver_sql(f"INSERT INTO t VALUES ({value})")
    committer.commit()
    log.append(f"returned {value}")


def test_an_urgent_unit_goes_before_waiting_units_and_commits_without_them(
    engine: Engine,
) -> None:
    committer = GroupCommitter(engine)
    log = count_commits(engine)
    first = committer.join()  # an ingest unit holds the turn; two more queue behind it
    first.exec_driver_sql("INSERT INTO t VALUES (0)")
    threads = [start(unit_noting_its_turn, committer, v, log, False) for v in (1, 2)]
    wait_until(lambda: committer._waiting == 2)
    threads.append(start(unit_noting_its_turn, committer, 9, log, True))  # the dispatcher's
    wait_until(lambda: committer._waiting == 3)
    committer.commit()
    for thread in threads:
        thread.join(WAIT)
    # The urgent unit had the next turn, and ended the group (with the unit before it) as it
    # left: its commit did not wait for the ordinary units queued before it.
    assert log[:2] == ["turn 9", "COMMIT"]
    assert log.count("COMMIT") == 2
    assert committed_values(engine) == [0, 1, 2, 9]


def test_ordinary_units_are_not_starved_by_one_urgent_unit(engine: Engine) -> None:
    committer = GroupCommitter(engine)
    log = count_commits(engine)
    first = committer.join(urgent=True)
    first.exec_driver_sql("INSERT INTO t VALUES (0)")
    threads = [start(unit_noting_its_turn, committer, v, log, False) for v in (1, 2)]
    wait_until(lambda: committer._waiting == 2)
    committer.commit()
    for thread in threads:
        thread.join(WAIT)
    assert sorted(e for e in log if e.startswith("turn")) == ["turn 1", "turn 2"]
    assert committed_values(engine) == [0, 1, 2]
