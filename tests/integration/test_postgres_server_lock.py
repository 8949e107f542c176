"""The lock that keeps tests off the shared PostgreSQL server while a test restarts it
(tests/postgres_lock.py): tests share it, a restart has it alone, and a restart waiting for
its turn goes before tests that arrive after it. Real `flock(2)` files, taken from threads
(each hold opens its own files, so threads exclude each other as processes do)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from tests.postgres_lock import lock_paths, postgres_server_held

GRANTED = 5.0
"""Seconds to wait for a hold that must be granted."""
WITHHELD = 0.3
"""Seconds a hold that must wait is watched for not being granted."""


class Holder:
    """A thread that takes the server, says so, and lets go when told."""

    def __init__(self, url: str, *, exclusive: bool) -> None:
        self.holding = threading.Event()
        self.release = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, exclusive), daemon=True)
        self._thread.start()

    def _run(self, url: str, exclusive: bool) -> None:
        with postgres_server_held(url, exclusive=exclusive):
            self.holding.set()
            self.release.wait(30)

    def let_go(self) -> None:
        self.release.set()
        self._thread.join(GRANTED)


@pytest.fixture
def url() -> Iterator[str]:
    """A server address of this test's own (the lock files are named after it)."""
    address = f"postgresql://postgres@lock-test-{uuid.uuid4().hex}:5432/test"
    yield address
    for path in lock_paths(address):
        path.unlink(missing_ok=True)


def test_tests_share_the_server(url: str) -> None:
    first = Holder(url, exclusive=False)
    second = Holder(url, exclusive=False)

    assert first.holding.wait(GRANTED)
    assert second.holding.wait(GRANTED)
    first.let_go()
    second.let_go()


def test_a_restart_waits_for_running_tests_and_tests_arriving_meanwhile_wait_for_it(
    url: str,
) -> None:
    running = Holder(url, exclusive=False)
    assert running.holding.wait(GRANTED)

    restart = Holder(url, exclusive=True)
    assert not restart.holding.wait(WITHHELD)  # a test still uses the server
    newcomer = Holder(url, exclusive=False)
    assert not newcomer.holding.wait(WITHHELD)  # the restart is next in line

    running.let_go()
    assert restart.holding.wait(GRANTED)
    assert not newcomer.holding.wait(WITHHELD)  # not while the server restarts

    restart.let_go()
    assert newcomer.holding.wait(GRANTED)
    newcomer.let_go()


def test_lock_files_are_named_after_the_server_not_the_database() -> None:
    one = lock_paths("postgresql://postgres@127.0.0.1:5432/test")

    assert lock_paths("postgresql+psycopg://postgres@127.0.0.1:5432/pagerd_test_1") == one
    assert lock_paths("postgresql://postgres@127.0.0.1:5433/test") != one
