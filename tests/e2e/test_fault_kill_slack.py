"""SIGKILL of `pagerd serve` while it posts pages to Slack, then a restart at the same
address: no notification is lost, and the only pages Slack receives twice are those the
killed process had posted without recording (in flight at the kill), recognisable as the
same notification (its id is in the message's text and metadata). Counted and reported.

Real process; a local Slack Web API (`tests/fake_slack.py`) that accepts each post at once
and holds its answer, so that the kill lands while posts are in flight. A page claimed by
the killed process returns as soon as the restarted process finds its owner dead (worker
liveness); the deadline still allows for the worst case, the lease (60 s) running out.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from pagerd.testing.serve_process import start_pagerd
from tests.e2e.fault_scenario import api_get
from tests.e2e.polling import wait_for
from tests.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

pytestmark = pytest.mark.slow

SERVICES = 12
DELIVERY_DEADLINE = 150.0  # worst case: lease expiry (60 s) plus retries and a slow machine


def _channel(i: int) -> str:
    return f"C0FAULT{i:03d}"


def test_a_sigkill_during_slack_posts_loses_no_page_and_resends_only_what_was_in_flight(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slack = FakeSlack(delay=1.0).start()
    env = {
        "PAGERD_SLACK_BOT_TOKEN": BOT_TOKEN,
        "PAGERD_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PAGERD_SLACK_API_BASE": slack.api_base,
    }
    first = start_pagerd(database_url, tmp_path, env=env)
    second = None
    alerts: dict[str, str] = {}
    try:
        with first.client() as client:
            for i in range(SERVICES):
                service = client.post("/api/v1/services", json={"name": f"s{i}"}).json()
                target = {"type": "slack", "channel": _channel(i)}
                body = {"levels": [{"ack_timeout_seconds": 900, "targets": [target]}]}
                path = f"/api/v1/services/{service['id']}/escalation-policy"
                assert client.put(path, json=body).status_code == 200
                sent = {"monitored_service_id": service["id"], "message": f"s{i} is down"}
                answer = client.post("/api/v1/alerts", json=sent)
                assert answer.status_code == 202, answer.text
                alerts[_channel(i)] = answer.json()["alert"]["id"]
        # Posts are accepted at once and answered a second later: kill while some are held.
        wait_for(lambda: len(slack.posts) >= 2, timeout=30, interval=0.05, what="posts")
        first.kill()
        in_flight = len(slack.posts)
        killed_at = time.monotonic()
        second = start_pagerd(database_url, tmp_path, env=env, port=first.port)

        def every_channel_posted() -> bool:
            return {p["channel"] for p in slack.posts} >= set(alerts)

        wait_for(every_channel_posted, timeout=DELIVERY_DEADLINE, interval=0.5, what="posts")
        with second.client() as client:

            def all_sent() -> bool:
                for alert_id in alerts.values():
                    url = f"/api/v1/alerts/{alert_id}/notifications"
                    items = api_get(client, url).json()["items"]
                    if [n["status"] for n in items] != ["sent"]:
                        return False
                return True

            wait_for(all_sent, timeout=DELIVERY_DEADLINE, interval=1.0, what="all sent")
            ids = {}
            for channel, alert_id in alerts.items():
                url = f"/api/v1/alerts/{alert_id}/notifications"
                [notification] = api_get(client, url).json()["items"]
                ids[channel] = notification["id"]
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
        slack.close()

    by_channel: dict[str, list[dict[str, object]]] = defaultdict(list)
    for post in slack.posts:
        by_channel[str(post["channel"])].append(post)
    resends = 0
    for channel, posts in by_channel.items():
        assert channel in alerts, f"a post nobody was owed: {channel}"
        keys = {str(p["metadata"]["event_payload"]["notification_id"]) for p in posts}  # type: ignore[index]
        assert keys == {ids[channel]}, f"{channel} got another notification: {keys}"
        assert all(f"pagerd notification {ids[channel]}" in str(p["text"]) for p in posts)
        if len(posts) > 1:
            first_at = min(float(str(p["_at"])) for p in posts)
            assert first_at < killed_at, f"{channel} was posted twice after the kill"
            resends += len(posts) - 1
    assert resends <= in_flight
    with capsys.disabled():
        print(
            f"\n[fault] SIGKILL during Slack posts: pages due {len(alerts)}, posts received "
            f"{len(slack.posts)}, posts accepted before the kill {in_flight}, re-sends of the "
            f"same notification {resends}"
        )
    assert len(slack.posts) == len(alerts) + resends
