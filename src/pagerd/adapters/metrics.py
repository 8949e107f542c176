"""Prometheus metrics: the Observer port on a registry of pagerd's own, and queue depths.

`PrometheusObserver` counts what entry points and workers report as it happens.
`QueueCollector` reads the database at scrape time (open alerts, pending pages, armed timers,
and how far behind the workers are), so every process reports the same shared queues.
`render_metrics` produces the text for `GET /metrics`.

When `pagerd serve` runs its workers in a child process, the child's counts (pages sent, timers
fired, their latencies) are made there: the child writes `counts_text()` to a file now and
then, and the serving process's observer `merge_from`s it, so that its /metrics shows the sum
as one process would.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import ParamSpec
from uuid import UUID

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from pagerd.adapters.clock import SystemClock
from pagerd.domain.alert import AlertStatus
from pagerd.domain.timer import FiredTimer
from pagerd.service_layer.observability import NullObserver
from pagerd.service_layer.paging import DeliveryOutcome, DeliveryResult, OutgoingPage
from pagerd.service_layer.ports import Clock, UnitOfWork

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
FIRST_PAGE_BUCKETS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_REMEMBERED_ALERTS = 10_000
_PAGE = 500

log = logging.getLogger("pagerd.metrics")
P = ParamSpec("P")


def _never_raise(method: Callable[P, None]) -> Callable[P, None]:
    # The Observer port forbids raising: a metrics bug must never fail a page or a request.
    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            method(*args, **kwargs)
        except Exception:
            log.exception("recording a metric failed")

    return guarded


class PrometheusObserver(NullObserver):
    """Implements the Observer port with counters and histograms on `self.registry`
    (the facts it does not count are left to the other observers).

    `alert_to_first_page_seconds` observes, once per alert and process, the first delivered
    page of level 0 in pass 0: the time from the alert's creation to that delivery.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.counts = CollectorRegistry(auto_describe=True)  # this process's counts only
        self._merged = _MergedCounts(self.counts)
        self.registry = CollectorRegistry(auto_describe=True)  # what /metrics shows
        self.registry.register(self._merged)
        self._clock = clock or SystemClock()
        self._first_paged: OrderedDict[UUID, None] = OrderedDict()
        self._lock = threading.Lock()
        r = self.counts
        self.alerts_received = Counter(
            "pagerd_alerts_received", "Alerts accepted, by source.", ["source"], registry=r
        )
        self.alerts_deduplicated = Counter(
            "pagerd_alerts_deduplicated",
            "Alerts that joined an incident under way (nobody paged), by source.",
            ["source"],
            registry=r,
        )
        self.delivery_attempts = Counter(
            "pagerd_delivery_attempts",
            "Messages handed to a channel, by channel and outcome.",
            ["channel", "outcome"],
            registry=r,
        )
        self.delivery_seconds = Histogram(
            "pagerd_delivery_duration_seconds",
            "Time a channel took to accept or refuse a message.",
            ["channel"],
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self.notifications_sent = Counter(
            "pagerd_notifications_sent",
            "Notifications delivered, by channel.",
            ["channel"],
            registry=r,
        )
        self.notifications_failed = Counter(
            "pagerd_notifications_failed",
            "Notification attempts that failed, by channel and kind (transient: retried).",
            ["channel", "kind"],
            registry=r,
        )
        self.calls_finished = Counter(
            "pagerd_calls_finished",
            "Calls whose final status arrived, by channel and outcome (answered, unanswered).",
            ["channel", "outcome"],
            registry=r,
        )
        self.timers_fired = Counter(
            "pagerd_timers_fired", "Acknowledgement timers consumed.", ["escalated"], registry=r
        )
        self.escalations = Counter(
            "pagerd_escalations", "Levels escalated because their timer fired.", registry=r
        )
        self.timer_lateness = Histogram(
            "pagerd_timer_lateness_seconds",
            "How long after its due time a timer fired.",
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self.first_page_latency = Histogram(
            "pagerd_alert_to_first_page_seconds",
            "From an alert's creation to the first delivered page of its first level.",
            buckets=FIRST_PAGE_BUCKETS,
            registry=r,
        )

    def merge_from(self, source: Callable[[], str]) -> None:
        """Add the counts `source` returns (another process's `counts_text()`, or "" when
        it has none yet) to this observer's, in `registry`."""
        self._merged.sources.append(source)

    def counts_text(self) -> str:
        """This process's counters and histograms (no queue gauges), as exposition text."""
        return generate_latest(self.counts).decode()

    def watch_queues(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        """Also report queue depths, read from a fresh unit of work at every scrape."""
        self.registry.register(QueueCollector(uow_factory, clock))

    @_never_raise
    def alert_received(
        self,
        source: str,
        deduplicated: bool,
        alert_id: UUID | None = None,
        service_id: UUID | None = None,
    ) -> None:
        self.alerts_received.labels(source).inc()
        if deduplicated:
            self.alerts_deduplicated.labels(source).inc()

    @_never_raise
    def timer_fired(self, fired: FiredTimer) -> None:
        self.timers_fired.labels(str(fired.escalated).lower()).inc()
        self.timer_lateness.observe(max(0.0, fired.lateness.total_seconds()))
        if fired.escalated:
            self.escalations.inc()

    @_never_raise
    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        channel = page.channel.value
        self.delivery_attempts.labels(channel, result.outcome.value).inc()
        self.delivery_seconds.labels(channel).observe(max(0.0, seconds))
        if result.outcome is DeliveryOutcome.DELIVERED:
            self.notifications_sent.labels(channel).inc(len(page.items))
            self._observe_first_pages(page, self._clock.now())
        else:
            kind = (
                "permanent" if result.outcome is DeliveryOutcome.PERMANENT_FAILURE else "transient"
            )
            self.notifications_failed.labels(channel, kind).inc(len(page.items))

    @_never_raise
    def call_finished(self, channel: str, outcome: str, retried: int, failed: int) -> None:
        self.calls_finished.labels(channel, outcome).inc()
        # An unanswered call is a failed attempt after all: counted like any other.
        if retried:
            self.notifications_failed.labels(channel, "transient").inc(retried)
        if failed:
            self.notifications_failed.labels(channel, "permanent").inc(failed)

    def _observe_first_pages(self, page: OutgoingPage, now: datetime) -> None:
        for item in page.items:
            if item.level != 0 or item.pass_number != 0 or not self._first_time(item.alert_id):
                continue
            self.first_page_latency.observe(max(0.0, (now - item.alert_created_at).total_seconds()))

    def _first_time(self, alert_id: UUID) -> bool:
        # Bounded memory: only the most recent alerts are remembered.
        with self._lock:
            if alert_id in self._first_paged:
                return False
            self._first_paged[alert_id] = None
            if len(self._first_paged) > _REMEMBERED_ALERTS:
                self._first_paged.popitem(last=False)
            return True


class _MergedCounts(Collector):
    """The metrics of `own`, with the samples of each source's exposition text added: equal
    names and labels are summed, others appended. A source's `_created` series (the time a
    series began, in another process) are left out: this process's own stand for them."""

    def __init__(self, own: CollectorRegistry) -> None:
        self._own = own
        self.sources: list[Callable[[], str]] = []

    def describe(self) -> Iterable[Metric]:
        return []  # sources' names are known only at scrape time

    def collect(self) -> Iterable[Metric]:
        families = {family.name: family for family in self._own.collect()}
        for source in self.sources:
            for family in _parsed(source):
                if family.name.endswith(_CREATED):
                    continue
                family.samples = [s for s in family.samples if not s.name.endswith(_CREATED)]
                mine = families.setdefault(family.name, family)
                if mine is not family:
                    _add_samples(mine, family)
        return list(families.values())


_CREATED = "_created"


def _parsed(source: Callable[[], str]) -> list[Metric]:
    try:
        return list(text_string_to_metric_families(source()))
    except Exception:  # a half-written or unreadable snapshot: that process's counts are absent
        log.warning("could not read another process's metrics", exc_info=True)
        return []


def _add_samples(into: Metric, other: Metric) -> None:
    index = {
        (sample.name, tuple(sorted(sample.labels.items()))): position
        for position, sample in enumerate(into.samples)
    }
    for sample in other.samples:
        key = (sample.name, tuple(sorted(sample.labels.items())))
        if key in index:
            current = into.samples[index[key]]
            into.samples[index[key]] = current._replace(value=current.value + sample.value)
        else:
            index[key] = len(into.samples)
            into.samples.append(sample)


def prometheus_observer(observer: object) -> PrometheusObserver | None:
    """`observer` itself, or the PrometheusObserver among a fan-out's observers, or None."""
    if isinstance(observer, PrometheusObserver):
        return observer
    for inner in getattr(observer, "observers", ()):
        if isinstance(inner, PrometheusObserver):
            return inner
    return None


class QueueCollector(Collector):
    """Gauges read from the database when Prometheus scrapes; `pagerd_database_up` is 0 and
    the other gauges are absent when the database does not answer."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("pagerd_database_up", "Whether the last scrape read the database.")
        try:
            gauges = list(self._read())
        except Exception:
            log.warning("metrics could not read the database", exc_info=True)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *gauges]

    def _read(self) -> Iterator[Metric]:
        now = self._clock.now()
        uow = self._uow_factory()
        with uow:
            alerts = GaugeMetricFamily(
                "pagerd_alerts", "Alerts under way, by status.", labels=["status"]
            )
            for status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
                alerts.add_metric([status.value], _count_alerts(uow, status))
            yield alerts
            yield _gauge(
                "pagerd_alerts_escalation_ended",
                "Open alerts whose escalation ended: nobody is being paged for them.",
                uow.alerts.count_escalation_ended(),
            )
            yield _gauge(
                "pagerd_notifications_pending",
                "Pages waiting to be delivered.",
                uow.outbox.count_pending(),
            )
            yield _gauge(
                "pagerd_timers_armed", "Acknowledgement timers waiting.", uow.timers.count()
            )
            yield _gauge(
                "pagerd_notification_backlog_seconds",
                "How long the most overdue pending page has been due (0 when none).",
                _overdue(now, uow.outbox.next_attempt_at()),
            )
            due = [uow.timers.next_due_at(), uow.rule_timers.next_due_at()]
            yield _gauge(
                "pagerd_timer_backlog_seconds",
                "How long the most overdue timer (a level's or a notification rule's) has "
                "been due (0 when none).",
                _overdue(now, min((d for d in due if d is not None), default=None)),
            )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _overdue(now: datetime, due_at: datetime | None) -> float:
    return 0.0 if due_at is None else max(0.0, (now - due_at).total_seconds())


def _count_alerts(uow: UnitOfWork, status: AlertStatus) -> int:
    return uow.alerts.count(status)


def render_metrics(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition of `registry`; serve it as METRICS_CONTENT_TYPE."""
    return generate_latest(registry)
