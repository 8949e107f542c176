"""Configuration as code on real SQLite and PostgreSQL: one transaction, idempotent, exact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from uuid import UUID

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head
from pagerd.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from pagerd.config_as_code import (
    PruneRefused,
    apply_configuration,
    export_configuration,
    parse_configuration,
    render_configuration,
)
from pagerd.service_layer.alerts import receive_alert
from pagerd.testing import FakeClock, RecordingSignal

FILE = """\
services:
  - name: checkout
    escalation_policy:
      repeat: 1
      levels:
        - ack_timeout_seconds: 300
          targets:
            - {type: email, email: alice@example.com}
            - {type: sms, phone_number: "+5492664295169"}
        - targets:
            - {type: webhook, url: "https://hooks.example.com/pagerd"}
  - name: search
    escalation_policy:
      levels:
        - targets: [{type: email, email: search-oncall@example.com}]
"""


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_to_head(database_url)
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine, RecordingSignal())


def _service_id(uow: SqlAlchemyUnitOfWork, name: str) -> UUID:
    with uow:
        service = uow.services.get_by_name(name)
    assert service is not None
    return service.id


def test_apply_then_export_round_trips_and_a_second_apply_changes_nothing(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    clock = FakeClock()
    first = apply_configuration(uow, clock, parse_configuration(FILE))

    exported = render_configuration(export_configuration(uow, FakeClock()))
    second = apply_configuration(uow, clock, parse_configuration(exported))

    assert len(first) == 4
    assert parse_configuration(exported) == parse_configuration(FILE)
    assert second == []


def test_a_dry_run_writes_nothing(uow: SqlAlchemyUnitOfWork) -> None:
    changes = apply_configuration(uow, FakeClock(), parse_configuration(FILE), dry_run=True)

    assert len(changes) == 4
    assert export_configuration(uow, FakeClock()).services == ()


def test_a_refused_prune_rolls_back_every_other_change_of_the_file(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    clock = FakeClock()
    apply_configuration(uow, clock, parse_configuration(FILE))
    receive_alert(uow, clock, _service_id(uow, "search"), "search is down")
    before = export_configuration(uow, FakeClock())
    edited = FILE.split("  - name: search")[0].replace("300", "60") + "  - name: billing\n"

    with pytest.raises(PruneRefused):
        apply_configuration(uow, clock, parse_configuration(edited), prune=True)

    assert export_configuration(uow, FakeClock()) == before


def test_prune_deletes_a_healthy_service_with_its_past_alerts(uow: SqlAlchemyUnitOfWork) -> None:
    from pagerd.service_layer.services import mark_healthy

    clock = FakeClock()
    apply_configuration(uow, clock, parse_configuration(FILE))
    search = _service_id(uow, "search")
    alert = receive_alert(uow, clock, search, "search is down").alert
    mark_healthy(uow, clock, search)
    only_checkout = FILE.split("  - name: search")[0]

    changes = apply_configuration(uow, clock, parse_configuration(only_checkout), prune=True)

    assert [str(c) for c in changes] == ["delete service 'search': with its policy and past alerts"]
    assert [s.name for s in export_configuration(uow, FakeClock()).services] == ["checkout"]
    with uow:
        assert uow.alerts.get(alert.id) is None


def test_two_concurrent_applies_of_one_file_create_each_service_once(engine: Engine) -> None:
    configuration = parse_configuration(FILE)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def apply_once() -> None:
        uow = SqlAlchemyUnitOfWork(engine, RecordingSignal())
        barrier.wait()
        try:
            results.append(len(apply_configuration(uow, FakeClock(), configuration)))
        except BaseException as exc:  # reported below, with the thread's results
            errors.append(exc)

    threads = [threading.Thread(target=apply_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(results) == [0, 4]  # the loser ran again and found nothing left to do
    uow = SqlAlchemyUnitOfWork(engine, RecordingSignal())
    assert [s.name for s in export_configuration(uow, FakeClock()).services] == [
        "checkout",
        "search",
    ]


UPKEEP = """\
users:
  - name: alice
    contact_methods: [{type: email, address: alice@example.com}]
schedules:
  - name: Primary
    time_zone: UTC
    layers:
      - participants: [alice]
        rotation: {type: daily, handoff: "2026-01-01T00:00"}
services:
  - name: backups
    escalation_policy:
      levels:
        - targets: [{schedule: Primary}]
    maintenance_windows:
      - {start: "2026-01-02T18:00:00+01:00", end: "2026-01-02T20:00:00+01:00", reason: move}
    heartbeats:
      - {name: nightly-backup, interval_seconds: 86400, grace_seconds: 3600}
"""


def test_schedule_targets_windows_and_heartbeats_round_trip_on_the_database(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    clock = FakeClock()
    first = apply_configuration(uow, clock, parse_configuration(UPKEEP))

    exported = render_configuration(export_configuration(uow, clock))
    again = apply_configuration(uow, clock, parse_configuration(exported))
    changed = apply_configuration(
        uow,
        clock,
        parse_configuration(
            exported.replace("grace_seconds: 3600", "grace_seconds: 60").replace(
                "reason: move", "reason: moved"
            )
        ),
    )

    assert [c.subject for c in first][-4:] == [
        "service",
        "escalation policy",
        "maintenance window",
        "heartbeat",
    ]
    assert "schedule: Primary" in exported
    assert again == []
    assert sorted(str(c) for c in changed) == [
        "update heartbeat of 'backups': nightly-backup, every 86400 s, grace 60 s",
        "update maintenance window of 'backups': "
        "2026-01-02T17:00:00Z to 2026-01-02T19:00:00Z: reason moved",
    ]
    with uow:
        heartbeat = uow.heartbeats.get_by_name(_service_id_in(uow, "backups"), "nightly-backup")
    assert heartbeat is not None
    assert heartbeat.grace.total_seconds() == 60


def _service_id_in(uow: SqlAlchemyUnitOfWork, name: str) -> UUID:
    service = uow.services.get_by_name(name)
    assert service is not None
    return service.id
