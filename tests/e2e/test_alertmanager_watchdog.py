"""Debian's real Alertmanager sends its always-firing Watchdog to a heartbeat's ping URL, as
docs/operations.md shows; when Alertmanager stops, the pings stop and pagerd pages.

Real processes and real time: the shortest heartbeat interval is 60 s, so this test takes
about a minute and a half. Skipped when /usr/bin/prometheus-alertmanager is missing
(`apt-get install prometheus-alertmanager`).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from pagerd.entrypoints.http.fields import rfc3339
from pagerd.testing.serve_process import free_port, pagerd_process
from tests.e2e.polling import wait_for

pytestmark = pytest.mark.slow

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
INTERVAL_SECONDS = 60  # the shortest a heartbeat allows
CONFIG = """
route:
  receiver: pagerd-watchdog
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 5s
receivers:
  - name: pagerd-watchdog
    webhook_configs:
      - url: {ping_url}
        send_resolved: false
"""


@contextmanager
def alertmanager(tmp_path: Path, ping_url: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Alertmanager on a loopback port, clustering off, routing everything to `ping_url`."""
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG.format(ping_url=ping_url))
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    args = [
        ALERTMANAGER,
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(base), timeout=30, what="Alertmanager to be ready")
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/-/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _heartbeat(client: httpx.Client, service_id: str) -> dict[str, Any]:
    (beat,) = client.get(f"/api/v1/services/{service_id}/heartbeats").json()["items"]
    return dict(beat)


def _watchdog_alert(client: httpx.Client, service_id: str) -> dict[str, Any] | None:
    params = {"monitored_service_id": service_id, "status": "open"}
    items = client.get("/api/v1/alerts", params=params).json()["items"]
    return items[0] if items else None


def test_alertmanager_stopping_makes_its_watchdog_heartbeat_page(tmp_path: Path) -> None:
    if shutil.which(ALERTMANAGER) is None:
        pytest.skip(f"{ALERTMANAGER} is missing (apt-get install prometheus-alertmanager)")
    with pagerd_process(f"sqlite:///{tmp_path / 'pagerd.db'}", tmp_path) as pagerd:
        client = pagerd.client()
        service_id = client.post("/api/v1/services", json={"name": "monitoring"}).json()["id"]
        policy = {"levels": [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]}
        client.put(f"/api/v1/services/{service_id}/escalation-policy", json=policy)
        body = {"name": "alertmanager-watchdog", "interval_seconds": INTERVAL_SECONDS}
        beat = client.post(f"/api/v1/services/{service_id}/heartbeats", json=body).json()

        with alertmanager(tmp_path, beat["ping_url"]) as (process, base):
            now = datetime.now(UTC)
            watchdog = {
                "labels": {"alertname": "Watchdog", "severity": "none"},
                "startsAt": rfc3339(now),
                "endsAt": rfc3339(now + timedelta(hours=1)),
            }
            assert httpx.post(f"{base}/api/v2/alerts", json=[watchdog]).status_code == 200
            first = wait_for(
                lambda: _heartbeat(client, service_id)["last_ping_at"], what="a first ping"
            )
            wait_for(
                lambda: _heartbeat(client, service_id)["last_ping_at"] != first,
                what="Alertmanager repeating the Watchdog",
            )
            assert _watchdog_alert(client, service_id) is None
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

        alert = wait_for(
            lambda: _watchdog_alert(client, service_id),
            timeout=INTERVAL_SECONDS + 30,
            interval=1.0,
            what="the missed heartbeat's alert",
        )
        assert alert["dedup_keys"] == ["heartbeat:alertmanager-watchdog"]
        assert "alertmanager-watchdog has not checked in since" in alert["message"]

        def paged() -> bool:
            pages = client.get(f"/api/v1/alerts/{alert['id']}/notifications").json()["items"]
            return [(p["address"], p["status"]) for p in pages] == [("oncall@example.com", "sent")]

        wait_for(paged, what="the on-call engineer paged")
        client.close()
