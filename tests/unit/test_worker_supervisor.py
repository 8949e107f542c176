"""`pagerd serve`'s supervisor of its worker process, on fake children: readiness, a graceful
stop, a restart with a doubling back-off after a death, a kill when the child does not stop,
and nothing spawned after a stop."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from pagerd.entrypoints.workers.supervisor import WorkerSupervisor

WAIT = 10.0  # seconds a test waits for something that happens at once; never reached


class FakeChild:
    """A child the test drives: it says ready, exits, obeys SIGTERM (or not)."""

    def __init__(self, pid: int, *, obeys_terminate: bool = True) -> None:
        self.pid = pid
        self.obeys_terminate = obeys_terminate
        self.signals: list[str] = []
        self._ready = threading.Event()
        self._exited = threading.Event()
        self._said: bool | None = None
        self.code = 0

    # What the test does to it.
    def say_ready(self) -> None:
        self._said = True
        self._ready.set()

    def die(self, code: int) -> None:
        self.code = code
        self._said = bool(self._said)
        self._ready.set()
        self._exited.set()

    # What the supervisor sees.
    def wait_ready(self) -> bool:
        assert self._ready.wait(WAIT)
        return bool(self._said)

    def wait_exit(self) -> int:
        assert self._exited.wait(WAIT)
        return self.code

    def terminate(self) -> None:
        self.signals.append("TERM")
        if self.obeys_terminate:
            self.die(0)

    def kill(self) -> None:
        self.signals.append("KILL")
        self.die(-9)


class Spawner:
    """`spawn` for the supervisor: hands out FakeChild after FakeChild (or fails)."""

    def __init__(self, make: Callable[[int], FakeChild] | None = None) -> None:
        self.children: list[FakeChild] = []
        self.failures = 0
        self._make = make or (lambda pid: FakeChild(pid))
        self._spawned = threading.Condition()

    def __call__(self) -> FakeChild:
        with self._spawned:
            if self.failures:
                self.failures -= 1
                raise OSError("cannot fork")
            child = self._make(100 + len(self.children))
            self.children.append(child)
            self._spawned.notify_all()
            return child

    def wait_for(self, count: int) -> FakeChild:
        with self._spawned:
            assert self._spawned.wait_for(lambda: len(self.children) >= count, WAIT)
            return self.children[count - 1]


class Pauses:
    """`pause` for the supervisor: records each back-off and returns at once; says "stop"
    after `limit` of them."""

    def __init__(self, limit: int) -> None:
        self.delays: list[float] = []
        self.limit = limit
        self.done = threading.Event()

    def __call__(self, seconds: float) -> bool:
        self.delays.append(seconds)
        if len(self.delays) >= self.limit:
            self.done.set()
            return True
        return False


def test_ready_once_the_child_says_so_and_a_stop_ends_it_gracefully() -> None:
    spawn = Spawner()
    supervisor = WorkerSupervisor(spawn)
    supervisor.start()
    child = spawn.wait_for(1)
    assert not supervisor.ready.is_set()

    child.say_ready()
    assert supervisor.ready.wait(WAIT)
    assert supervisor.stop(WAIT)

    assert child.signals == ["TERM"]
    assert len(spawn.children) == 1  # nothing spawned after the stop


def test_a_dead_child_is_replaced_after_a_back_off_that_doubles_up_to_its_maximum() -> None:
    spawn, pauses = Spawner(), Pauses(limit=5)
    supervisor = WorkerSupervisor(spawn, backoff_initial=0.5, backoff_max=2.0, pause=pauses)
    supervisor.start()
    spawn.wait_for(1).say_ready()
    for count in range(1, 6):
        spawn.wait_for(count).die(-9)  # SIGKILLed, an out-of-memory kill, a crash
    assert pauses.done.wait(WAIT)
    supervisor.stop(WAIT)

    assert pauses.delays == [0.5, 1.0, 2.0, 2.0, 2.0]
    assert len(spawn.children) == 5
    assert supervisor.ready.is_set()  # readiness is about start-up: a restart keeps it
    assert supervisor.last_exit_code == -9


def test_the_back_off_starts_over_after_a_child_that_ran_long_enough() -> None:
    now = [0.0]
    spawn, pauses = Spawner(), Pauses(limit=3)
    supervisor = WorkerSupervisor(
        spawn, backoff_initial=0.5, stable_after=60, clock=lambda: now[0], pause=pauses
    )
    supervisor.start()
    spawn.wait_for(1).die(1)
    spawn.wait_for(2).die(1)
    child = spawn.wait_for(3)
    now[0] = 1000.0  # the third ran for a long time before dying
    child.die(1)
    assert pauses.done.wait(WAIT)
    supervisor.stop(WAIT)

    assert pauses.delays == [0.5, 1.0, 0.5]


def test_a_spawn_that_fails_is_retried_after_the_back_off() -> None:
    spawn, pauses = Spawner(), Pauses(limit=10)
    spawn.failures = 2
    supervisor = WorkerSupervisor(spawn, backoff_initial=0.5, pause=pauses)
    supervisor.start()
    child = spawn.wait_for(1)
    child.say_ready()
    assert supervisor.ready.wait(WAIT)
    assert supervisor.stop(WAIT)

    assert pauses.delays == [0.5, 1.0]
    assert supervisor.spawned == 1


def test_a_child_that_ignores_sigterm_is_killed_and_the_stop_says_so() -> None:
    spawn = Spawner(lambda pid: FakeChild(pid, obeys_terminate=False))
    supervisor = WorkerSupervisor(spawn)
    supervisor.start()
    child = spawn.wait_for(1)
    child.say_ready()

    assert not supervisor.stop(0.05)

    assert child.signals == ["TERM", "KILL"]
    assert len(spawn.children) == 1


def test_a_child_that_dies_before_saying_ready_leaves_serve_unready_until_one_does() -> None:
    spawn, pauses = Spawner(), Pauses(limit=10)
    supervisor = WorkerSupervisor(spawn, pause=pauses)
    supervisor.start()
    spawn.wait_for(1).die(1)  # a bad setting, a database not there yet
    second = spawn.wait_for(2)
    assert not supervisor.ready.is_set()
    second.say_ready()
    assert supervisor.ready.wait(WAIT)
    assert supervisor.stop(WAIT)


def test_the_back_off_must_be_positive_and_ordered() -> None:
    with pytest.raises(ValueError, match="back-off"):
        WorkerSupervisor(Spawner(), backoff_initial=2, backoff_max=1)
