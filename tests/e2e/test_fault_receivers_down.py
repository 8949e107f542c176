"""The SMTP server (port closed) and the webhook receiver (answering 503) down for 30 seconds
while alerts come in and an escalation runs, then back: every page owed arrives once, within
the retry backoff (5 s doubling) after recovery; SMS, which stayed up, is not held back.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from pagerd.testing.serve_process import pagerd_process
from tests.e2e.fault_receivers import ChannelRig
from tests.e2e.fault_scenario import (
    AlertStorm,
    FaultReport,
    ServiceUnderTest,
    api_get,
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

OUTAGE_SECONDS = 30.0
ESCALATION_TIMEOUT = 10  # level 1 falls due during the outage
RECOVERY_DEADLINE = 100.0  # the retry after a 30 s outage comes within ~45 s; margin for CI


def test_pages_owed_while_smtp_and_webhooks_are_down_for_30_seconds_arrive_once_after(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = ChannelRig()
    rig.smtp.down()
    rig.webhook.failing = True
    outage_started = time.monotonic()
    try:
        with (
            pagerd_process(database_url, tmp_path, env=rig.env()) as pagerd,
            pagerd.client() as client,
        ):
            steady = declare_services(client, rig, 1, count=8, levels=2, timeout=900)
            escalating = declare_services(
                client, rig, 2, count=2, levels=2, timeout=ESCALATION_TIMEOUT
            )
            storm = AlertStorm(pagerd.base_url)
            storm.start(storm_alerts(steady + escalating, 2), duration=2.0)
            sent = storm.results()
            sms_due = {a for a in due_addresses(steady, 1) if a.startswith("+")}
            wait_for_pages(rig.ledger, sms_due, OUTAGE_SECONDS / 2)

            time.sleep(max(0.0, outage_started + OUTAGE_SECONDS - time.monotonic()))
            held_back = {d.channel for d in rig.ledger.deliveries()} - {"sms"}
            rig.smtp.up()
            rig.webhook.failing = False
            recovered_at = time.monotonic()

            due = due_addresses(steady, 1) | due_addresses(escalating, 2)
            wait_for_pages(rig.ledger, due, RECOVERY_DEADLINE)
            last_page_after = max(d.at for d in rig.ledger.deliveries()) - recovered_at
            wait_until_delivered(client, steady, 1, RECOVERY_DEADLINE)
            wait_until_delivered(client, escalating, 2, RECOVERY_DEADLINE)
            check_alerts_kept(client, sent, steady + escalating)
            retried = _attempts_by_channel(client, steady)
    finally:
        rig.close()

    assert held_back == set(), "nothing can arrive through a channel that is down"
    assert rig.ledger.refused["webhook"] > 0, "the webhook receiver answered 503 meanwhile"
    assert min(retried["email"]) >= 2, "e-mail pages were retried through the outage"
    assert min(retried["webhook"]) >= 2, "webhook pages were retried through the outage"
    assert retried["sms"] == [1] * len(steady), "SMS went out at once, first attempt"
    resends = check_paged_once(rig.ledger, due, fault_ended_at=recovered_at)
    assert resends.total() == 0, "nothing was accepted during the outage, so nothing is re-sent"
    report = fill_report(
        FaultReport("SMTP and webhook receivers down 30 s"), sent, rig.ledger, due, resends
    )
    report.show(capsys)
    with capsys.disabled():
        print(f"[fault] last page arrived {last_page_after:.1f} s after the receivers were back")


def _attempts_by_channel(
    client: httpx.Client, services: list[ServiceUnderTest]
) -> dict[str, list[int]]:
    """Delivery attempts of each notification of these services' incidents, by channel."""
    found: dict[str, list[int]] = {"email": [], "sms": [], "webhook": []}
    for service in services:
        params = {"monitored_service_id": service.id}
        [alert] = api_get(client, "/api/v1/alerts", **params).json()["items"]
        items = api_get(client, f"/api/v1/alerts/{alert['id']}/notifications").json()["items"]
        for item in items:
            found[item["channel"]].append(item["attempts"])
    return found
