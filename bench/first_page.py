"""Benchmark 3: from the alert request to the first page accepted by a local SMTP server and
a local webhook receiver, at a steady 50 alerts per second.

Each alert goes to its own healthy service whose level 0 pages an e-mail address (through
`PAGERD_SMTP_HOST`, a local aiosmtpd) and a webhook (a local HTTP server). The clock starts
just before the bench sends the alert and stops when the receiver accepts the message that
names it. Baseline: the same receivers fed directly by the bench (smtplib, http.client),
one message at a time: the floor any sender pays on this machine.
"""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from bench.client import Http, open_loop, percentile, post_alert
from bench.process import MemoryWatch, fresh_database, pagerd_running
from bench.receivers import Arrivals, smtp_server, webhook_server
from bench.report import Result
from bench.seed import scalar, seed_services

RATE = 50.0
P50_TARGET_MS = 5.0  # on SQLite; PostgreSQL's targets are twice these (POSTGRES_FACTOR)
P99_TARGET_MS = 20.0
POSTGRES_FACTOR = 2.0


def _floor(smtp_port: int, smtp: Arrivals, hook_url: str, hook: Arrivals) -> dict[str, float]:
    """p50 ms of sending one message straight to each receiver, 50 times."""
    email_ms, hook_ms = [], []
    client = Http(hook_url.rsplit("/", 1)[0])
    for i in range(50):
        number = 10_000_000 + i
        message = EmailMessage()
        message["Subject"] = f"direct bench-{number}"
        message["From"], message["To"] = "bench@localhost", "oncall@bench.example"
        message.set_content("floor")
        began = time.monotonic()
        with smtplib.SMTP("127.0.0.1", smtp_port) as s:
            s.send_message(message)
        email_ms.append((smtp.first[number] - began) * 1000)
        began = time.monotonic()
        item = {"message": f"bench-{number}", "notification_id": f"direct-{number}"}
        client.request("POST", "/hook", {"alerts": [item]})
        hook_ms.append((hook.first[number] - began) * 1000)
    client.close()
    return {"email": percentile(email_ms, 50), "webhook": percentile(hook_ms, 50)}


def run_first_page(quick: bool, directory: Path, backends: list[str]) -> Result:
    count = int(RATE * (5 if quick else 60))
    result = Result("first_page")
    memory = MemoryWatch()
    memory.start()
    with smtp_server() as (smtp_port, smtp), webhook_server() as (hook_url, hook):
        floor = _floor(smtp_port, smtp, hook_url, hook)
        result.figures["baseline: direct e-mail / webhook p50 ms"] = (
            f"{floor['email']:.2f} / {floor['webhook']:.2f}"
        )
        env = {
            "PAGERD_SMTP_HOST": "127.0.0.1",
            "PAGERD_SMTP_PORT": str(smtp_port),
            "PAGERD_SMTP_STARTTLS": "false",
            "PAGERD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        for n, backend in enumerate(backends):
            offset = (n + 1) * 100_000
            with fresh_database(backend, directory) as url:
                services = seed_services(
                    url,
                    count,
                    targets=lambda i: [
                        {"id": _uuid(), "channel": "email", "address": f"oncall-{i}@bench.example"},
                        {"id": _uuid(), "channel": "webhook", "address": hook_url},
                    ],
                )
                sent: dict[int, float] = {}
                send = _sender([str(sv.id) for sv in services], offset, sent)
                with pagerd_running(url, directory, memory, env=env) as server:
                    took = open_loop(server.base_url, count, RATE, send)
                    _wait_all(sent, [smtp, hook], timeout=30)
                pages = scalar(url, "SELECT count(*) FROM notifications WHERE status = 'sent'")
            _report(result, backend, sent, smtp, hook, floor)
            result.figures[f"{backend}: alerts sent, rate achieved"] = (
                f"{count}, {count / took:.1f}/s; pages recorded sent {pages}"
            )
    memory.stop()
    result.figures["peak RSS of a pagerd process, MB"] = memory.peak_mb
    return result


def _sender(
    service_ids: list[str], offset: int, sent: dict[int, float]
) -> Callable[[Http, int], None]:
    """What the open loop calls for alert i: note the time, post `bench-<offset + i>`."""
    lock = threading.Lock()

    def send(client: Http, i: int) -> None:
        number = offset + i
        began = time.monotonic()
        with lock:
            sent[number] = began
        status = post_alert(client, service_ids[i], f"bench-{number}")
        assert status == 202, status

    return send


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


def _wait_all(sent: dict[int, float], receivers: list[Arrivals], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(all(n in r.first for n in sent) for r in receivers):
            return
        time.sleep(0.1)


def _report(
    result: Result,
    backend: str,
    sent: dict[int, float],
    smtp: Arrivals,
    hook: Arrivals,
    floor: dict[str, float],
) -> None:
    for channel, arrivals in (("email", smtp), ("webhook", hook)):
        latencies = [(arrivals.first[n] - t) * 1000 for n, t in sent.items() if n in arrivals.first]
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        label = f"{backend}, {channel}"
        result.figures[f"{label}: p50 / p99 / max ms"] = (
            f"{p50:.1f} / {p99:.1f} / {max(latencies, default=0):.1f}"
        )
        result.figures[f"{label}: p50 ratio to direct send"] = round(p50 / floor[channel], 1)
        missing = len(sent) - len(latencies)
        dupes = sum(arrivals.count.get(n, 0) - 1 for n in sent if arrivals.count.get(n, 0) > 1)
        factor = POSTGRES_FACTOR if backend == "postgres" else 1.0
        p50_target, p99_target = P50_TARGET_MS * factor, P99_TARGET_MS * factor
        result.check(f"{label} p50", f"<= {p50_target} ms", f"{p50:.1f} ms", p50 <= p50_target)
        result.check(f"{label} p99", f"<= {p99_target} ms", f"{p99:.1f} ms", p99 <= p99_target)
        result.check(
            f"{label}: every alert paged once",
            "0 missing, 0 doubled",
            f"{missing} missing, {dupes} doubled",
            missing == 0 and dupes == 0,
        )
