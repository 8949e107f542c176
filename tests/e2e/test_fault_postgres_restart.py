"""PostgreSQL restarted (through its cluster tools) in the middle of an alert storm and of
escalations: pagerd answers 5xx while the database is away, never 2xx for an alert it did not
store, and afterwards every due level is paged once.

This restarts the shared server that other tests use: it runs only when
PAGERD_TEST_POSTGRES_URL is set and `pg_ctlcluster` exists, keeps the server down for a few
seconds only, and ends only once the server accepts connections again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from pagerd.testing.serve_process import pagerd_process
from tests.e2e.fault_receivers import ChannelRig
from tests.e2e.fault_scenario import (
    AlertStorm,
    FaultReport,
    check_alerts_kept,
    check_paged_once,
    declare_services,
    due_addresses,
    fill_report,
    storm_alerts,
    wait_for_pages,
    wait_until_delivered,
)
from tests.e2e.polling import wait_for

# restarts_postgres: holds the shared server alone while it restarts it (tests/postgres_lock.py)
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.restarts_postgres]

STORM_SECONDS = 8.0
RESTART_AFTER = 3.0
ESCALATION_TIMEOUT = 3
DELIVERY_DEADLINE = 150.0  # an outcome unrecordable while the database was away waits for
# its lease (60 s) and is re-sent


def _cluster_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[0]


def restart_postgres() -> None:
    """Restart the local cluster (fast shutdown: sessions are cut) and wait until it
    accepts connections again."""
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", _cluster_version(), "main"]
    subprocess.run([*command, "restart"], check=True, capture_output=True, timeout=60)
    ready = ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]
    wait_for(lambda: subprocess.run(ready, check=False).returncode == 0, timeout=60)


@pytest.fixture
def restartable_postgres_url(postgres_url: str) -> str:
    if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
        pytest.skip("no local PostgreSQL cluster to restart")
    return postgres_url


def test_a_postgresql_restart_mid_storm_loses_no_answered_alert_and_pages_each_level_once(
    restartable_postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = ChannelRig()
    try:
        with pagerd_process(restartable_postgres_url, tmp_path, env=rig.env()) as pagerd:
            with pagerd.client() as client:
                steady = declare_services(client, rig, 1, count=16, levels=2, timeout=900)
                escalating = declare_services(
                    client, rig, 2, count=3, levels=3, timeout=ESCALATION_TIMEOUT
                )
            storm = AlertStorm(pagerd.base_url)
            storm.start(storm_alerts(escalating, 1), duration=0.2)
            storm.start(storm_alerts(steady, 3), duration=STORM_SECONDS)
            time.sleep(RESTART_AFTER)
            restart_started = time.monotonic()
            restart_postgres()
            back_at = time.monotonic()
            sent = storm.results()
            wait_for(lambda: _ready(pagerd.base_url), timeout=30, what="/readyz after restart")

            due = due_addresses(steady, 1) | due_addresses(escalating, 3)
            wait_for_pages(rig.ledger, due, DELIVERY_DEADLINE)
            with pagerd.client() as client:
                wait_until_delivered(client, steady, 1, DELIVERY_DEADLINE)
                wait_until_delivered(client, escalating, 3, DELIVERY_DEADLINE)
                check_alerts_kept(client, sent, steady + escalating)
            resends = check_paged_once(rig.ledger, due, fault_ended_at=back_at)
    finally:
        rig.close()

    report = fill_report(FaultReport("PostgreSQL restart"), sent, rig.ledger, due, resends)
    report.show(capsys)
    with capsys.disabled():
        print(f"[fault] PostgreSQL was away for {back_at - restart_started:.1f} s")
    assert report.pages_received == report.pages_due + resends.total()


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
