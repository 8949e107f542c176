"""SIGKILL of `pagerd serve` in the middle of an alert storm and of escalations, then a
restart at the same address: nothing answered 2xx is lost, every due level is paged, and
nobody gets the same page twice, except a re-send with the same idempotency key of a page the
killed process had handed to a channel without recording it (counted and reported).

Real process, real channels: SMTP (aiosmtpd), and a Twilio-like API and a webhook receiver
that both answer slowly, so that the kill lands while pages are in flight. A page claimed by the
killed process comes back when the restarted one finds the dead pid (its first liveness beat).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pagerd.testing.serve_process import start_pagerd
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

pytestmark = pytest.mark.slow

STORM_SECONDS = 8.0
KILL_AFTER = 4.5  # mid-storm, after level 1 of the escalating services, before level 2
ESCALATION_TIMEOUT = 3
DELIVERY_DEADLINE = 150.0  # at worst a lease (60 s) plus retries and a slow machine


def test_a_sigkill_mid_storm_and_mid_escalation_loses_no_alert_and_pages_each_due_level_once(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = ChannelRig(answer_delay=0.5)
    first = start_pagerd(database_url, tmp_path, env=rig.env())
    second = None
    try:
        with first.client() as client:
            storm_services = declare_services(client, rig, 1, count=20, levels=2, timeout=900)
            escalating = declare_services(
                client, rig, 2, count=4, levels=3, timeout=ESCALATION_TIMEOUT
            )
        storm = AlertStorm(first.base_url)
        storm.start(storm_alerts(escalating, 1), duration=0.2)
        storm.start(storm_alerts(storm_services, 3), duration=STORM_SECONDS)

        time.sleep(KILL_AFTER)
        first.kill()
        second = start_pagerd(database_url, tmp_path, env=rig.env(), port=first.port)
        restarted_at = time.monotonic()
        sent = storm.results()

        due = due_addresses(storm_services, 1) | due_addresses(escalating, 3)
        wait_for_pages(rig.ledger, due, DELIVERY_DEADLINE)
        with second.client() as client:
            wait_until_delivered(client, storm_services, 1, DELIVERY_DEADLINE)
            wait_until_delivered(client, escalating, 3, DELIVERY_DEADLINE)
            check_alerts_kept(client, sent, storm_services + escalating)
        resends = check_paged_once(rig.ledger, due, fault_ended_at=restarted_at)
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
        rig.close()

    report = fill_report(FaultReport("SIGKILL mid-storm"), sent, rig.ledger, due, resends)
    report.show(capsys)
    assert report.pages_received == report.pages_due + resends.total()
