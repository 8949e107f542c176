"""Worker processes on real SQLite and PostgreSQL: a worker killed mid-send loses nothing, and
two workers on one database fire each timer once and send each page once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy.engine import Engine

from pagerd.adapters.clock import SystemClock
from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork, create_engine_for, upgrade_to_head
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.policy import LevelSpec
from pagerd.service_layer import alerts, policies, services
from pagerd.testing.harness import level
from pagerd.testing.page_receiver import PageReceiver

pytestmark = pytest.mark.slow


class Workers:
    """Starts worker processes (`pagerd.testing.worker_process`) and cleans them up."""

    def __init__(self, url: str, receiver: PageReceiver, logs: Path) -> None:
        self.url = url
        self.receiver = receiver
        self.logs = logs
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, *names: str, lease_seconds: float | None = None) -> list[subprocess.Popen[str]]:
        """Start one process per name (in parallel); return once every one is ready."""
        started = [self._launch(name, lease_seconds) for name in names]
        for name, process in zip(names, started, strict=True):
            assert process.stdout is not None
            ready = process.stdout.readline()
            assert ready.startswith("ready"), (self.logs / f"{name}.log").read_text()
        return started

    def _launch(self, name: str, lease_seconds: float | None) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "PAGERD_DATABASE_URL": self.url,
            "PAGERD_TEST_RECEIVER_URL": self.receiver.url,
            "PAGERD_TEST_WORKER_ID": name,
            "PAGERD_LOG_FORMAT": "console",
        }
        if lease_seconds is not None:
            env["PAGERD_TEST_LEASE_SECONDS"] = str(lease_seconds)
        with (self.logs / f"{name}.log").open("w") as log:  # the child keeps its own copy
            process = subprocess.Popen(
                [sys.executable, "-m", "pagerd.testing.worker_process"],
                env=env,
                cwd=self.logs,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.processes.append(process)
        return process

    def stop_all(self) -> list[int]:
        """SIGTERM every live process; return their exit statuses."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        return [process.wait(20) for process in self.processes]


@pytest.fixture
def receiver() -> Iterator[PageReceiver]:
    built = PageReceiver()
    yield built
    built.close()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_to_head(database_url)
    built = create_engine_for(database_url)
    yield built
    built.dispose()


@pytest.fixture
def workers(
    database_url: str, receiver: PageReceiver, engine: Engine, tmp_path: Path
) -> Iterator[Workers]:
    started = Workers(database_url, receiver, tmp_path)
    yield started
    for process in started.processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def open_alert(engine: Engine, name: str, levels: list[LevelSpec]) -> UUID:
    uow, clock = SqlAlchemyUnitOfWork(engine), SystemClock()
    service = services.create_service(uow, clock, name)
    policies.put_policy(uow, service.id, levels, 0)
    return alerts.receive_alert(uow, clock, service.id, f"{name} is down", None).alert.id


def notifications(engine: Engine, alert_ids: list[UUID]) -> list[Notification]:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        return [n for alert_id in alert_ids for n in uow.outbox.list_for_alert(alert_id)]


def eventually(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` (these tests watch real processes) until true or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def all_sent(engine: Engine, alert_ids: list[UUID], count: int) -> Callable[[], bool]:
    def check() -> bool:
        found = notifications(engine, alert_ids)
        return len(found) == count and all(n.status is NotificationStatus.SENT for n in found)

    return check


def test_a_worker_killed_mid_send_leaves_its_pages_to_the_next_worker_at_once(
    engine: Engine, receiver: PageReceiver, workers: Workers
) -> None:
    lease = 30.0  # far longer than the test: the pages must come back without it
    addresses = ["alice@example.com", "bob@example.com", "carol@example.com"]
    alert_id = open_alert(engine, "checkout", [level(*addresses)])
    receiver.hang()
    [doomed] = workers.start("worker-a", lease_seconds=lease)
    assert receiver.wait_for(len(addresses), timeout=20), "worker-a never sent"

    doomed.kill()  # SIGKILL: no graceful stop, no sign-off; its row stays behind
    doomed.wait(10)
    receiver.release()
    started = time.monotonic()
    workers.start("worker-b", lease_seconds=lease)
    # worker-b finds worker-a's pid dead on this host at its first beat and returns its
    # claims: sent within seconds of the start, not when the 30 s lease runs out.
    eventually(all_sent(engine, [alert_id], len(addresses)), 5, "worker-b to send every page")
    assert time.monotonic() - started < 5

    by_address = defaultdict(list)
    for page in receiver.pages:
        by_address[page.address].append(page)
    assert sorted(by_address) == sorted(addresses)
    for address, pages in by_address.items():
        assert [p.worker_id for p in pages] == ["worker-a", "worker-b"], address
        assert len({p.idempotency_key for p in pages}) == 1, "a re-send keeps the key"
        assert pages[1].at - pages[0].at < lease / 2, "worker-b did not wait for the lease"
    assert {n.attempts for n in notifications(engine, [alert_id])} == {1}
    assert workers.stop_all()[1] == 0


def test_two_workers_fire_each_timer_once_and_send_each_page_once(
    engine: Engine, receiver: PageReceiver, workers: Workers
) -> None:
    workers.start("worker-a", "worker-b")
    alert_ids = [
        open_alert(
            engine,
            f"service-{i}",
            [level(f"first-{i}@example.com", timeout=1), level(f"second-{i}@example.com")],
        )
        for i in range(8)
    ]

    eventually(all_sent(engine, alert_ids, 16), 30, "both levels of every alert to be sent")
    time.sleep(1.0)  # room for a duplicate to show up, if the workers were going to send one

    sent = Counter(p.address for p in receiver.pages)
    assert sent == Counter(
        [f"first-{i}@example.com" for i in range(8)] + [f"second-{i}@example.com" for i in range(8)]
    )
    assert len({p.idempotency_key for p in receiver.pages}) == 16
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        levels_paged = [
            [
                e.details.get("level_id")
                for e in uow.timeline.list_for_alert(a)
                if e.type == "notified"
            ]
            for a in alert_ids
        ]
    assert levels_paged == [[0, 1]] * 8  # each level-0 timer fired once
    print("pages per worker:", Counter(p.worker_id for p in receiver.pages))
    assert workers.stop_all() == [0, 0]
