"""SIGKILL of `pagerd serve` holding pages it was handed in memory (leased to its dispatcher
by the transaction that created them, never claimed), then a restart: every page is still
delivered exactly once. The database, not the handoff, is what the restart goes by.

The send pool is kept full by a webhook receiver that parks requests unanswered, so the
dispatcher claims nothing meanwhile: the second alert's pages can only be leased to it by
the handoff, and they wait in its queue, never sent, when the process dies.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pagerd.testing.serve_process import start_pagerd
from tests.e2e.polling import wait_for
from tests.e2e.test_fault_kill_claims import (
    ENV,
    RESTART_DEADLINE,
    TARGETS,
    HoldingWebhook,
    _alert,
    _all_sent,
    _service,
)

pytestmark = pytest.mark.slow

# The handoff needs the dispatcher in the serving process: workers on its threads.
THREAD_ENV = {**ENV, "PAGERD_WORKERS": "thread"}


def _leased_pending(database_url: str) -> int:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            sql = "SELECT count(*) FROM notifications WHERE status = 'pending'"
            return int(connection.exec_driver_sql(f"{sql} AND lease_owner IS NOT NULL").scalar())
    finally:
        engine.dispose()


def test_pages_handed_in_memory_to_a_killed_process_are_delivered_once_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    webhook = HoldingWebhook()
    in_flight = [f"{webhook.base_url}/hooks/in-flight/{i}" for i in range(TARGETS)]
    queued = [f"{webhook.base_url}/hooks/queued/{i}" for i in range(TARGETS)]
    first = start_pagerd(database_url, tmp_path, env=THREAD_ENV)
    second = None
    try:
        with first.client() as client:
            first_service = _service(client, "in-flight", in_flight)
            queued_service = _service(client, "queued", queued)
            webhook.hold()
            first_id = _alert(client, first_service, "in-flight")
            wait_for(lambda: webhook.parked >= TARGETS, 20, 0.05, "the send pool full")
            queued_id = _alert(client, queued_service, "queued")
            # Leased at creation: the dispatcher, its pool full, claimed none of them.
            wait_for(
                lambda: _leased_pending(database_url) == 2 * TARGETS,
                5,
                0.05,
                "the queued pages leased by the handoff",
            )
            assert webhook.parked == TARGETS  # the queued pages were never sent

        first.kill()  # SIGKILL: the in-memory queue is lost, the leases are not
        webhook.release()
        second = start_pagerd(database_url, tmp_path, env=THREAD_ENV, port=first.port)
        every = in_flight + queued
        wait_for(
            lambda: all(webhook.paths()[url.removeprefix(webhook.base_url)] for url in every),
            RESTART_DEADLINE + 5,
            0.02,
            "every page delivered after the restart",
        )
        with second.client() as client:
            for alert_id in (first_id, queued_id):
                wait_for(lambda a=alert_id: _all_sent(client, a), 10, 0.1, "pages recorded")
        time.sleep(1.0)  # room for a duplicate to show up, were there one
        paths = webhook.paths()
        assert dict(paths) == {url.removeprefix(webhook.base_url): 1 for url in every}
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
        webhook.close()
