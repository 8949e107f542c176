"""The in-process writer gate in front of SQLite's BEGIN IMMEDIATE."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.sqlite_gate import install_gated_begin


def test_a_second_thread_begins_only_after_the_first_transaction_ends(sqlite_url: str) -> None:
    engine = create_engine_for(sqlite_url)
    first_began = threading.Event()
    order: list[str] = []

    def first() -> None:
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT 1"))
            first_began.set()
            time.sleep(0.2)
            order.append("first ends")

    def second() -> None:
        first_began.wait()
        with engine.begin() as connection:
            order.append("second begins")
            connection.execute(sa.text("SELECT 1"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    engine.dispose()
    assert order == ["first ends", "second begins"]


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_gate_is_free_again_however_a_transaction_ends(sqlite_url: str, ending: str) -> None:
    engine = sa.create_engine(sqlite_url)
    gate = install_gated_begin(engine, 5.0, lambda c: None)
    connection = engine.connect()
    connection.begin()
    assert gate._lock.locked()
    if ending == "commit":
        connection.commit()
    elif ending == "rollback":
        connection.rollback()
    connection.close()
    engine.dispose()
    assert not gate._lock.locked()


def test_a_begin_that_fails_leaves_the_gate_free(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")

    def failing_begin(_connection: Connection) -> None:
        raise RuntimeError("database is locked")

    gate = install_gated_begin(engine, 5.0, failing_begin)
    with engine.connect() as connection, pytest.raises(RuntimeError):
        connection.begin()
    engine.dispose()
    assert not gate._lock.locked()
