"""What fault-injection tests do around a fault: declare services, send an alert storm that
keeps trying through the fault, and check afterwards that nothing was lost or paged twice.

Every (service, level) gets addresses of its own on each channel, so a message to an address
can only be that level's page of that service's single incident: an address that receives
two different pages, or a page for a level that was not due, is a double or a wrong page.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pagerd.testing.serve_process import ADMIN_TOKEN
from tests.e2e.fault_receivers import ChannelRig, Ledger
from tests.e2e.polling import wait_for

RETRY_PAUSE = 0.2
MAX_RETRY_AFTER = 5.0


def retry_after(answer: httpx.Response) -> float:
    """The pause a 429 asks for (pagerd limits requests per API token), at most 5 s."""
    try:
        return min(MAX_RETRY_AFTER, float(answer.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def api_get(client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    """GET that waits out a rate limit (429, Retry-After) like a well-behaved client."""
    for _ in range(20):
        answer = client.get(path, params=params)
        if answer.status_code != 429:
            return answer
        time.sleep(retry_after(answer))
    return answer


@dataclass(frozen=True)
class ServiceUnderTest:
    """A monitored service and its policy's addresses, level by level."""

    id: str
    name: str
    levels: tuple[tuple[str, ...], ...]


def declare_services(
    client: httpx.Client, rig: ChannelRig, group: int, count: int, levels: int, timeout: int
) -> list[ServiceUnderTest]:
    """`count` services named g{group}-s{i}, each with `levels` levels of three targets
    (e-mail, SMS, webhook) and `timeout` seconds to acknowledge each level."""
    declared = []
    for i in range(count):
        name = f"g{group}-s{i}"
        service_id = client.post("/api/v1/services", json={"name": name}).json()["id"]
        addresses = tuple(_addresses(rig, group, i, level) for level in range(levels))
        body = {"levels": [_level(a, timeout) for a in addresses]}
        answer = client.put(f"/api/v1/services/{service_id}/escalation-policy", json=body)
        assert answer.status_code == 200, answer.text
        declared.append(ServiceUnderTest(service_id, name, addresses))
    return declared


def _addresses(rig: ChannelRig, group: int, i: int, level: int) -> tuple[str, str, str]:
    return (
        f"g{group}-s{i}-l{level}@example.com",
        f"+1555{group}{i:03d}{level}",
        f"{rig.webhook.base_url}/hooks/g{group}/s{i}/l{level}",
    )


def _level(addresses: tuple[str, ...], timeout: int) -> dict[str, Any]:
    email, phone, url = addresses
    targets = [
        {"type": "email", "email": email},
        {"type": "sms", "phone_number": phone},
        {"type": "webhook", "url": url},
    ]
    return {"ack_timeout_seconds": timeout, "targets": targets}


@dataclass(frozen=True)
class SentAlert:
    """An alert the storm sent: `alert_id` is None when no attempt was answered 2xx."""

    service: ServiceUnderTest
    dedup_key: str
    alert_id: str | None
    failed_attempts: int


class AlertStorm:
    """Sends alerts at a steady pace from several threads, each retried with the same dedup
    key (as a monitoring system would) on a refused connection or a 5xx, for up to `patience`
    seconds. The server may be killed and restarted at the same address meanwhile. Given
    several base URLs, each retry goes to the next one, as a load balancer fails over."""

    def __init__(self, base_url: str | list[str], threads: int = 6, patience: float = 60.0) -> None:
        self._base_urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self._patience = patience
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="storm")
        self._futures: list[Any] = []
        self._local = threading.local()
        self._clients: list[httpx.Client] = []  # every thread's, closed by `results`
        self._clients_lock = threading.Lock()

    def start(self, alerts: list[tuple[ServiceUnderTest, str]], duration: float) -> None:
        """Send each (service, dedup key), spread evenly over `duration` seconds."""
        started = time.monotonic()
        step = duration / max(1, len(alerts))
        for n, (service, key) in enumerate(alerts):
            at = started + n * step
            self._futures.append(self._pool.submit(self._send_at, at, service, key))

    def results(self) -> list[SentAlert]:
        """Wait for every alert to be answered or given up."""
        found = [f.result() for f in self._futures]
        self._pool.shutdown()
        with self._clients_lock:
            for client in self._clients:
                client.close()
            self._clients.clear()
        return found

    def _send_at(self, at: float, service: ServiceUnderTest, key: str) -> SentAlert:
        time.sleep(max(0.0, at - time.monotonic()))
        deadline = time.monotonic() + self._patience
        body = {"monitored_service_id": service.id, "message": f"{key} failing", "dedup_key": key}
        failures = 0
        while time.monotonic() < deadline:
            try:
                url = self._base_urls[(hash(key) + failures) % len(self._base_urls)]
                answer = self._client(url).post("/api/v1/alerts", json=body)
                if answer.is_success:
                    return SentAlert(service, key, answer.json()["alert"]["id"], failures)
                # 429 (rate limited) or 5xx: kept by the sender and retried; anything else
                # would be a bug in this test or in pagerd.
                assert answer.status_code == 429 or answer.status_code >= 500, answer.text
                pause = retry_after(answer) if answer.status_code == 429 else RETRY_PAUSE
            except httpx.TransportError:
                pause = RETRY_PAUSE
            failures += 1
            time.sleep(pause)
        return SentAlert(service, key, None, failures)

    def _client(self, base_url: str) -> httpx.Client:
        clients: dict[str, httpx.Client] = self._local.__dict__.setdefault("clients", {})
        if base_url not in clients:
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            clients[base_url] = httpx.Client(base_url=base_url, headers=headers, timeout=10.0)
            with self._clients_lock:
                self._clients.append(clients[base_url])
        return clients[base_url]


def storm_alerts(services: list[ServiceUnderTest], per_service: int) -> list[tuple[Any, str]]:
    """`per_service` distinct dedup keys per service, service after service, so that new
    incidents keep opening for the whole storm (the later keys of a service join its
    incident and page nobody)."""
    return [(s, f"{s.name}-k{k}") for s in services for k in range(per_service)]


@dataclass
class FaultReport:
    """The counts a fault test prints and docs/reliability.md keeps."""

    fault: str
    alerts_sent: int = 0
    answered_2xx: int = 0
    failed_attempts: int = 0
    pages_due: int = 0
    pages_received: int = 0
    resends_same_key: int = 0
    resends_by_channel: str = ""
    refused_by_receivers: int = 0

    def line(self) -> str:
        return (
            f"[fault] {self.fault}: alerts sent {self.alerts_sent}, answered 2xx "
            f"{self.answered_2xx} (failed attempts retried {self.failed_attempts}), pages due "
            f"{self.pages_due}, pages received {self.pages_received}, re-sends with the same "
            f"idempotency key {self.resends_same_key} {self.resends_by_channel}, attempts "
            f"refused by receivers "
            f"{self.refused_by_receivers}"
        )

    def show(self, capsys: pytest.CaptureFixture[str]) -> None:
        with capsys.disabled():
            print("\n" + self.line())


def due_addresses(services: list[ServiceUnderTest], due_levels: int) -> set[str]:
    """Every address owed a page when levels 0..due_levels-1 of each service fell due."""
    return {a for s in services for level in s.levels[:due_levels] for a in level}


def wait_for_pages(ledger: Ledger, due: set[str], timeout: float) -> None:
    """Poll until every due address received a page."""

    def arrived() -> bool:
        return due <= ledger.addresses()

    try:
        wait_for(arrived, timeout=timeout, interval=0.5, what="every due page")
    except AssertionError:
        missing = sorted(due - ledger.addresses())
        raise AssertionError(f"{len(missing)} pages never arrived: {missing[:10]}") from None


def check_alerts_kept(
    client: httpx.Client, sent: list[SentAlert], services: list[ServiceUnderTest]
) -> None:
    """Every alert answered 2xx is stored, on its service's single incident."""
    for alert in sent:
        assert alert.alert_id is not None, f"{alert.dedup_key} was never answered 2xx"
        found = api_get(client, f"/api/v1/alerts/{alert.alert_id}")
        assert found.status_code == 200, f"alert {alert.alert_id} answered 2xx, then lost"
        assert found.json()["monitored_service_id"] == alert.service.id
        assert alert.dedup_key in found.json()["dedup_keys"]
    for service in services:
        params = {"monitored_service_id": service.id}
        items = api_get(client, "/api/v1/alerts", **params).json()["items"]
        assert len(items) == 1, f"{service.name} has {len(items)} incidents, not one"


def check_notifications(
    client: httpx.Client, services: list[ServiceUnderTest], due_levels: int
) -> None:
    """Each due level of each incident has one sent notification per target, and no later
    level has any."""
    open_alerts = api_get(client, "/api/v1/alerts", status="open", limit=500).json()["items"]
    incident = {alert["monitored_service_id"]: alert["id"] for alert in open_alerts}
    for service in services:
        url = f"/api/v1/alerts/{incident[service.id]}/notifications"
        items = api_get(client, url, limit=500).json()["items"]
        per_level: dict[int, list[str]] = defaultdict(list)
        for item in items:
            per_level[item["level_id"]].append(item["status"])
        expected = {level: ["sent"] * 3 for level in range(due_levels)}
        assert dict(per_level) == expected, f"{service.name}: {dict(per_level)}"


def wait_until_delivered(
    client: httpx.Client, services: list[ServiceUnderTest], due_levels: int, timeout: float
) -> None:
    """Poll until `check_notifications` passes (every due page recorded as sent)."""

    def delivered() -> bool:
        try:
            check_notifications(client, services, due_levels)
        except (AssertionError, KeyError, ValueError):
            return False
        return True

    try:
        wait_for(delivered, timeout=timeout, interval=2.0, what="every due page sent")
    except AssertionError:
        check_notifications(client, services, due_levels)  # fails, saying what is missing
        raise


def check_paged_once(ledger: Ledger, due: set[str], fault_ended_at: float) -> Counter[str]:
    """No address got a page it was not owed, nor two different pages; a page received
    twice (the same idempotency key) is a re-send across the fault: its first copy arrived
    before the fault ended. Returns how many re-sends there were, by channel."""
    by_address: dict[str, list[tuple[str, float]]] = defaultdict(list)
    channels: dict[str, str] = {}
    for delivery in ledger.deliveries():
        by_address[delivery.address].append((delivery.key, delivery.at))
        channels[delivery.address] = delivery.channel
    unexpected = sorted(set(by_address) - due)
    assert not unexpected, f"pages nobody was owed: {unexpected[:10]}"
    resends: Counter[str] = Counter()
    for address, copies in by_address.items():
        keys = {key for key, _ in copies}
        assert len(keys) == 1, f"{address} got {len(keys)} different pages"
        if len(copies) > 1:
            first = min(at for _, at in copies)
            assert first < fault_ended_at, f"{address} was paged twice after the fault"
            resends[channels[address]] += len(copies) - 1
    return resends


def fill_report(
    report: FaultReport,
    sent: list[SentAlert],
    ledger: Ledger,
    due: set[str],
    resends: Counter[str],
) -> FaultReport:
    """Counts for the report, from what the storm and the receivers saw."""
    report.alerts_sent = len(sent)
    report.answered_2xx = sum(1 for a in sent if a.alert_id is not None)
    report.failed_attempts = sum(a.failed_attempts for a in sent)
    report.pages_due = len(due)
    report.pages_received = len(ledger.deliveries())
    report.resends_same_key = resends.total()
    report.resends_by_channel = str(dict(sorted(resends.items())))
    report.refused_by_receivers = sum(ledger.refused.values())
    return report
