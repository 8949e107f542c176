"""`pagerd serve` with its workers in a child process (PAGERD_WORKERS=process), on SQLite and
PostgreSQL: a page is delivered by the child; SIGTERM stops both gracefully; a SIGKILLed child
is replaced and the pages it had claimed are delivered once, long before their lease would
have run out (worker liveness sees its pid gone); and SIGKILL of `pagerd serve` leaves no
orphan: the child stops by itself.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from pagerd.testing.serve_process import RunningPagerd, children, start_pagerd
from tests.e2e.polling import wait_for
from tests.e2e.test_fault_kill_claims import HoldingWebhook, _alert, _all_sent, _service

pytestmark = pytest.mark.slow

ENV = {"PAGERD_WORKERS": "process", "PAGERD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}
TARGETS = 3
LEASE_SECONDS = 60  # the default lease: claims of a dead process must not wait it out
RESTARTED_PAGES_DEADLINE = LEASE_SECONDS / 2
RESTARTING = "the worker process exited; starting another"


def _worker_process(server: RunningPagerd) -> int:
    """The pid of `server`'s worker process (its only child)."""
    found: list[int] = wait_for(
        lambda: children(server.process.pid), 30, 0.05, "the worker process"
    )
    assert len(found) == 1, found
    return found[0]


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _log_events(server: RunningPagerd) -> list[dict[str, object]]:
    events = []
    for line in server.log().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


def test_the_worker_process_delivers_a_page_and_sigterm_stops_both_cleanly(
    database_url: str, tmp_path: Path
) -> None:
    webhook = HoldingWebhook()
    server = start_pagerd(database_url, tmp_path, env=ENV)
    try:
        child = _worker_process(server)
        with server.client() as client:
            url = f"{webhook.base_url}/hooks/one"
            alert_id = _alert(client, _service(client, "api", [url]), "api")
            wait_for(lambda: webhook.paths()["/hooks/one"] == 1, 20, 0.05, "the page delivered")
            wait_for(lambda: _all_sent(client, alert_id, 1), 20, 0.1, "the page recorded sent")

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
    finally:
        server.stop()
        webhook.close()

    assert not _alive(child)
    events = _log_events(server)
    stopped = [e for e in events if e.get("message") == "worker stopped"]
    assert [e["clean"] for e in stopped] == [True]
    assert str(child) in str(stopped[0]["worker_id"]).split("-")  # stopped by the child
    supervisor = [e for e in events if e.get("message") == "the worker process stopped"]
    assert [e["clean"] for e in supervisor] == [True]
    assert not [e for e in events if e.get("message") == RESTARTING]


def test_a_killed_worker_process_is_replaced_and_its_claimed_pages_are_delivered_once(
    database_url: str, tmp_path: Path
) -> None:
    webhook = HoldingWebhook()
    before = [f"{webhook.base_url}/hooks/before/{i}" for i in range(TARGETS)]
    doomed = [f"{webhook.base_url}/hooks/doomed/{i}" for i in range(TARGETS)]
    server = start_pagerd(database_url, tmp_path, env=ENV)
    try:
        with server.client() as client:
            first_id = _alert(client, _service(client, "before", before), "before")
            wait_for(lambda: _all_sent(client, first_id, TARGETS), 20, 0.1, "the first pages")
            doomed_service = _service(client, "doomed", doomed)
            webhook.hold()
            doomed_id = _alert(client, doomed_service, "doomed")
            wait_for(lambda: webhook.parked >= TARGETS, 20, 0.05, "the claimed pages in flight")

            child = _worker_process(server)
            os.kill(child, signal.SIGKILL)  # no release of its claims, no sign-off
            killed = time.monotonic()
            webhook.release()  # the dead child's requests go unanswered and uncounted
            replacement = wait_for(
                lambda: [pid for pid in children(server.process.pid) if pid != child],
                30,
                0.05,
                "a new worker process",
            )[0]

            wait_for(
                lambda: all(webhook.paths()[url.removeprefix(webhook.base_url)] for url in doomed),
                RESTARTED_PAGES_DEADLINE,
                0.05,
                "the dead child's pages delivered (not after their lease)",
            )
            delivered = time.monotonic() - killed
            wait_for(lambda: _all_sent(client, doomed_id, TARGETS), 20, 0.1, "recorded sent")
            time.sleep(1.0)  # room for a duplicate to show up, were there one
            assert client.get("/readyz").status_code == 200
    finally:
        server.stop()
        webhook.close()

    paths = webhook.paths()
    assert dict(paths) == {url.removeprefix(webhook.base_url): 1 for url in before + doomed}
    assert not _alive(child)
    assert not _alive(replacement)
    restarts = [e for e in _log_events(server) if e.get("message") == RESTARTING]
    assert [e["exit_code"] for e in restarts] == [-signal.SIGKILL]
    print(f"\nworker process SIGKILLed holding {TARGETS} pages: delivered {delivered:.2f} s later")


def test_a_killed_serve_leaves_no_orphan_worker_process(database_url: str, tmp_path: Path) -> None:
    server = start_pagerd(database_url, tmp_path, env=ENV)
    try:
        child = _worker_process(server)
        os.kill(server.process.pid, signal.SIGKILL)  # serve alone: it cannot stop its child
        server.process.wait(timeout=30)
        wait_for(lambda: not _alive(child), 30, 0.05, "the orphaned worker process to stop")
    finally:
        server.stop()

    # The child stopped gracefully, from the end of its ring pipe.
    messages = [e.get("message") for e in _log_events(server)]
    assert "pagerd serve, this worker process's parent, is gone; stopping" in messages
    assert "worker stopped" in messages
