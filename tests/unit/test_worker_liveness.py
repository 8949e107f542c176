"""Worker liveness: the claims of a worker known dead come back at once, a live worker's
never do (fake clock, in-memory store, a fake view of this host's processes)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pagerd.domain.worker_liveness import (
    HEARTBEAT_PERIOD,
    STALE_AFTER,
    WorkerPresence,
    is_known_dead,
)
from pagerd.service_layer.delivery import claim_pages
from pagerd.service_layer.worker_liveness import beat, sign_off
from pagerd.testing.harness import PagingHarness, level

LEASE = timedelta(seconds=60)
T0 = datetime.fromisoformat("2026-01-05T10:00:00+00:00")


class FakeHost:
    """This host as a test decides: its name and which pids run."""

    def __init__(self, host: str = "here", running: set[int] | None = None) -> None:
        self.host = host
        self.running = running if running is not None else set()

    def is_running(self, pid: int, worker_id: str) -> bool:
        return pid in self.running


def presence(
    worker_id: str, host: str = "here", pid: int = 100, seen: datetime = T0
) -> WorkerPresence:
    return WorkerPresence(worker_id, host, pid, started_at=seen, last_seen=seen)


# The rule


def test_a_fresh_worker_elsewhere_is_alive_and_a_stale_one_is_dead() -> None:
    other_host = FakeHost("here", running=set())
    worker = presence("w", host="elsewhere", seen=T0)

    assert not is_known_dead(worker, T0 + STALE_AFTER, other_host)
    assert is_known_dead(worker, T0 + STALE_AFTER + timedelta(microseconds=1), other_host)


def test_the_staleness_bound_is_a_few_heartbeat_periods() -> None:
    assert STALE_AFTER == 3 * HEARTBEAT_PERIOD
    assert STALE_AFTER < LEASE


def test_on_this_host_a_dead_pid_is_a_dead_worker_at_once() -> None:
    host = FakeHost("here", running={200})

    assert is_known_dead(presence("w", pid=100), T0, host)
    assert not is_known_dead(presence("w", pid=200), T0, host)


def test_a_pid_on_another_host_is_never_looked_up() -> None:
    host = FakeHost("here", running=set())

    assert not is_known_dead(presence("w", host="there", pid=100), T0, host)


# The use case: beats return dead workers' claims, and only theirs


def _one_claimed_page(owner: str) -> PagingHarness:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("+15555550100")])
    h.alert(service.id)
    assert len(claim_pages(h.uow, h.clock, owner, lease=LEASE)) == 1
    return h


def _claimable(h: PagingHarness) -> int:
    """How many pages another dispatcher could claim now (claims and gives them back)."""
    with h.uow:
        due = h.uow.outbox.claim_due(h.clock.now(), 100, "probe", h.clock.now())
        h.uow.rollback()
    return len(due)


def test_a_live_workers_claims_stay_untouched_for_the_whole_lease() -> None:
    host = FakeHost("here", running={100, 200})
    h = _one_claimed_page("a")
    a, b = presence("a", pid=100, seen=h.clock.now()), presence("b", pid=200, seen=h.clock.now())
    beat(h.uow, h.clock, a, host)

    for _ in range(int(LEASE / HEARTBEAT_PERIOD) - 1):
        h.clock.advance(HEARTBEAT_PERIOD)
        beat(h.uow, h.clock, a, host)
        done = beat(h.uow, h.clock, b, host)
        assert (done.dead, done.returned_claims) == ((), 0)
        assert _claimable(h) == 0


def test_a_worker_that_stops_beating_loses_its_claims_once_stale_not_before() -> None:
    host = FakeHost("here", running={100, 200})  # alive as far as pids go: only time tells
    h = _one_claimed_page("a")
    a, b = presence("a", pid=100), presence("b", pid=200)
    beat(h.uow, h.clock, a, host)
    started = h.clock.now()

    h.clock.advance(STALE_AFTER)
    assert beat(h.uow, h.clock, b, host).returned_claims == 0
    assert _claimable(h) == 0

    h.clock.advance(timedelta(seconds=1))
    done = beat(h.uow, h.clock, b, host)
    assert [w.id for w in done.dead] == ["a"]
    assert done.dead[0].last_seen == started
    assert done.returned_claims == 1
    assert _claimable(h) == 1
    with h.uow:
        assert [w.id for w in h.uow.workers.list()] == ["b"]


def test_a_worker_restarted_on_the_same_host_returns_its_dead_predecessors_claims_at_once() -> None:
    host = FakeHost("here", running={100})
    h = _one_claimed_page("old")
    beat(h.uow, h.clock, presence("old", pid=100), host)

    host.running = {300}  # SIGKILL: pid 100 is gone; the new process is pid 300
    done = beat(h.uow, h.clock, presence("new", pid=300), host)

    assert [w.id for w in done.dead] == ["old"]
    assert done.returned_claims == 1
    assert _claimable(h) == 1


def test_a_signed_off_workers_leftover_claims_return_at_the_next_beat() -> None:
    host = FakeHost("here", running={100, 200})
    h = _one_claimed_page("a")
    beat(h.uow, h.clock, presence("a", pid=100), host)
    sign_off(h.uow, "a")

    done = beat(h.uow, h.clock, presence("b", pid=200), host)

    assert done.dead == ()
    assert done.returned_claims == 1
    assert _claimable(h) == 1


def test_a_worker_never_judges_itself_dead_and_refreshes_its_row() -> None:
    host = FakeHost("here", running=set())  # even if its own pid looked dead
    h = _one_claimed_page("a")
    me = presence("a", pid=100)
    beat(h.uow, h.clock, me, host)
    h.clock.advance(STALE_AFTER * 2)

    done = beat(h.uow, h.clock, me, host)

    assert (done.dead, done.returned_claims) == ((), 0)
    with h.uow:
        (row,) = h.uow.workers.list()
    assert row.last_seen == h.clock.now()
    assert _claimable(h) == 0


@pytest.mark.parametrize("owner_alive", [True, False])
def test_expired_leases_are_left_to_the_ordinary_claim(owner_alive: bool) -> None:
    host = FakeHost("here", running={100, 200} if owner_alive else {200})
    h = _one_claimed_page("a")
    beat(h.uow, h.clock, presence("a", pid=100, seen=h.clock.now()), host)
    h.clock.advance(LEASE)

    done = beat(h.uow, h.clock, presence("b", pid=200, seen=h.clock.now()), host)

    assert done.returned_claims == 0  # nothing to return: the lease already ran out
    assert _claimable(h) == 1
