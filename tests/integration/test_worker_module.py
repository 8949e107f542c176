"""`python -m pagerd.entrypoints.workers` with the production wiring: with no channel
configured, a page lands in the dev outbox; SIGTERM stops the process cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pagerd.adapters.clock import SystemClock
from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine_for, upgrade_to_head
from pagerd.domain.notification import NotificationStatus
from pagerd.service_layer import alerts, policies, services
from pagerd.testing.harness import level

pytestmark = pytest.mark.slow


def test_the_worker_module_delivers_to_the_dev_outbox_and_stops_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    upgrade_to_head(database_url)
    engine = create_engine_for(database_url)
    uow, clock = SqlAlchemyUnitOfWork(engine), SystemClock()
    service = services.create_service(uow, clock, "checkout")
    policies.put_policy(uow, service.id, [level("alice@example.com")], 0)
    alert_id = alerts.receive_alert(uow, clock, service.id, "checkout is down", None).alert.id
    log = tmp_path / "worker.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PAGERD_") or key == "PAGERD_TEST_POSTGRES_URL"
    }
    with log.open("w") as log_file:  # the child keeps its own copy
        worker = subprocess.Popen(
            [sys.executable, "-m", "pagerd.entrypoints.workers"],
            env={**env, "PAGERD_DATABASE_URL": database_url, "PAGERD_LOG_FORMAT": "console"},
            cwd=tmp_path,
            stderr=log_file,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            with uow:
                [notification] = uow.outbox.list_for_alert(alert_id)
                outbox = uow.dev_outbox.list(10)
            if notification.status is NotificationStatus.SENT:
                break
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert [m.idempotency_key for m in outbox] == [notification.id]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        engine.dispose()
