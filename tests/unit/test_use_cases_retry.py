"""Lost races: use cases run again from the start, and the store refuses broken invariants."""

from __future__ import annotations

from uuid import uuid4

import pytest

from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.service_layer.observability import NullObserver
from pagerd.service_layer.paging import DeliveryResult
from pagerd.service_layer.retry import MAX_ATTEMPTS, retry_on_conflict
from pagerd.testing.harness import PagingHarness, level


def test_a_use_case_that_lost_a_race_runs_again_until_it_wins() -> None:
    runs: list[int] = []

    @retry_on_conflict
    def flaky(result: str) -> str:
        runs.append(1)
        if len(runs) < 3:
            raise ConcurrencyConflict("deadlock detected")
        return result

    assert flaky("done") == "done"
    assert len(runs) == 3


def test_a_use_case_that_always_loses_gives_up_after_the_maximum_attempts() -> None:
    runs: list[int] = []

    @retry_on_conflict
    def hopeless() -> None:
        runs.append(1)
        raise ConcurrencyConflict("serialization failure")

    with pytest.raises(ConcurrencyConflict):
        hopeless()
    assert len(runs) == MAX_ATTEMPTS


def test_other_errors_are_not_retried() -> None:
    runs: list[int] = []

    @retry_on_conflict
    def broken() -> None:
        runs.append(1)
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        broken()
    assert len(runs) == 1


def test_a_second_active_alert_for_a_service_is_refused_at_commit() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    alert = h.alert(service.id)

    with h.uow:
        duplicate = h.uow.alerts.get(alert.id)
        assert duplicate is not None
        duplicate.id = uuid4()
        h.uow.alerts.add(duplicate)
        with pytest.raises(ConcurrencyConflict, match="one active alert per service"):
            h.uow.commit()

    assert list(h.store.state.alerts) == [alert.id]


def test_the_null_observer_accepts_every_fact_without_raising() -> None:
    h = PagingHarness()
    service = h.create_service("api")
    h.set_policy(service.id, [level("a@example.com", timeout=60)])
    h.alert(service.id)
    h.advance(60)
    observer = NullObserver()

    assert observer.alert_received("api", deduplicated=False) is None
    assert observer.timer_fired(h.fired[0]) is None
    assert observer.page_attempted(h.pages()[0], DeliveryResult.delivered(), 0.1) is None
