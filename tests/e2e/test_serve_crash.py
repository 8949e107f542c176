"""A pagerd killed with SIGKILL loses nothing it answered 2xx for."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagerd.testing.serve_process import pagerd_process, start_pagerd
from tests.e2e.polling import wait_for

pytestmark = pytest.mark.slow


def test_an_alert_answered_202_survives_a_kill_right_after_and_is_paged_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    # Without workers, nothing is sent before the kill: the page must come from the restart.
    first = start_pagerd(database_url, tmp_path, workers=False)
    with first.client() as client:
        service_id = client.post("/api/v1/services", json={"name": "api"}).json()["id"]
        client.put(
            f"/api/v1/services/{service_id}/escalation-policy",
            json={"levels": [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]},
        )
        answer = client.post(
            "/api/v1/alerts", json={"monitored_service_id": service_id, "message": "api is down"}
        )
        assert answer.status_code == 202
        alert_id = answer.json()["alert"]["id"]
    first.kill()

    with pagerd_process(database_url, tmp_path) as second, second.client() as client:
        found = client.get(f"/api/v1/alerts/{alert_id}")
        assert found.status_code == 200
        assert found.json()["status"] == "open"

        def sent() -> bool:
            items = client.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
            return [n["status"] for n in items] == ["sent"]

        wait_for(sent, what="the page owed before the kill is sent after the restart")
