"""The high-availability layout the docs recommend, under an alert storm: two
`pagerd serve --no-workers` and two `pagerd worker` on one PostgreSQL database. One API
process and one worker are SIGKILLed mid-storm, then PostgreSQL restarts: nothing answered
2xx is lost, every due level is paged, and re-sends (pages the killed worker had handed to
a channel without recording it) carry the same idempotency key and are counted.

The storm goes to both API processes, failing over to the other on a refused connection or
a 5xx, as a load balancer would. Runs when PAGERD_TEST_POSTGRES_URL is set and the local
cluster can be restarted (`pg_ctlcluster`).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from pagerd.testing.serve_process import start_pagerd, start_worker
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
from tests.e2e.test_fault_postgres_restart import restart_postgres

# restarts_postgres: holds the shared server alone while it restarts it (tests/postgres_lock.py)
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.restarts_postgres]

STORM_SECONDS = 8.0
KILL_AFTER = 2.5
RESTART_AFTER = 4.5
ESCALATION_TIMEOUT = 3
DELIVERY_DEADLINE = 100.0  # a page the killed worker held waits for its lease (60 s)


@pytest.fixture
def ha_postgres_url(postgres_url: str) -> str:
    if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
        pytest.skip("no local PostgreSQL cluster to restart")
    return postgres_url


def test_two_apis_and_two_workers_survive_a_kill_of_each_and_a_postgresql_restart(
    ha_postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ha_postgres_url
    rig = ChannelRig(answer_delay=0.5)  # sends in flight when the worker is killed
    env = rig.env()
    apis = [start_pagerd(url, tmp_path, workers=False, env=env) for _ in range(2)]
    workers = [start_worker(url, tmp_path, env=env) for _ in range(2)]
    try:
        with apis[1].client() as client:
            steady = declare_services(client, rig, 1, count=16, levels=2, timeout=900)
            escalating = declare_services(
                client, rig, 2, count=3, levels=3, timeout=ESCALATION_TIMEOUT
            )
        storm = AlertStorm([a.base_url for a in apis])
        started = time.monotonic()
        storm.start(storm_alerts(escalating, 1), duration=0.2)
        storm.start(storm_alerts(steady, 3), duration=STORM_SECONDS)
        time.sleep(KILL_AFTER)
        apis[0].kill()
        workers[0].kill()
        time.sleep(max(0.0, started + RESTART_AFTER - time.monotonic()))
        restart_postgres()
        back_at = time.monotonic()
        sent = storm.results()
        wait_for(lambda: _ready(apis[1].base_url), timeout=30, what="/readyz after restart")

        due = due_addresses(steady, 1) | due_addresses(escalating, 3)
        wait_for_pages(rig.ledger, due, DELIVERY_DEADLINE)
        with apis[1].client() as client:
            wait_until_delivered(client, steady, 1, DELIVERY_DEADLINE)
            wait_until_delivered(client, escalating, 3, DELIVERY_DEADLINE)
            check_alerts_kept(client, sent, steady + escalating)
        resends = check_paged_once(rig.ledger, due, fault_ended_at=back_at)
    finally:
        for process in [*apis, *workers]:
            process.stop()
        rig.close()

    report = fill_report(
        FaultReport("HA: API and worker SIGKILLed, PostgreSQL restarted"),
        sent,
        rig.ledger,
        due,
        resends,
    )
    report.show(capsys)
    assert report.pages_received == report.pages_due + resends.total()


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
