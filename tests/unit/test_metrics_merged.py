"""/metrics of `pagerd serve` with a worker process: the child's counts, written as text,
are added to the serving process's own: equal series summed, the others shown as they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from prometheus_client.parser import text_string_to_metric_families

from pagerd.adapters.event_log import LoggingObserver
from pagerd.adapters.metrics import PrometheusObserver, prometheus_observer, render_metrics
from pagerd.adapters.observers import ObserverFanOut
from pagerd.domain.alert import TimeoutOutcome
from pagerd.domain.timer import AckTimer, FiredTimer
from pagerd.entrypoints.workers.worker_child import MetricsSnapshots, read_metrics_file


def _samples(observer: PrometheusObserver) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = render_metrics(observer.registry).decode()
    families = list(text_string_to_metric_families(text))
    names = [family.name for family in families]
    assert len(names) == len(set(names)), "each family once"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


def _fired(late_seconds: float) -> FiredTimer:
    timer = AckTimer.arm(uuid4(), 1, 0, datetime(2026, 1, 1, tzinfo=UTC))
    return FiredTimer(timer, timedelta(seconds=late_seconds), TimeoutOutcome.EXHAUSTED)


def test_the_childs_counts_are_added_to_the_parents() -> None:
    parent, child = PrometheusObserver(), PrometheusObserver()
    parent.alert_received("api", deduplicated=False)
    child.timer_fired(_fired(0.2))
    child.timer_fired(_fired(3.0))
    parent.timer_fired(_fired(0.2))  # a count both processes have: summed
    parent.merge_from(child.counts_text)

    samples = _samples(parent)

    assert samples[("pagerd_alerts_received_total", frozenset({("source", "api")}))] == 1
    assert samples[("pagerd_timers_fired_total", frozenset({("escalated", "false")}))] == 3
    assert samples[("pagerd_timer_lateness_seconds_count", frozenset())] == 3
    assert samples[("pagerd_timer_lateness_seconds_bucket", frozenset({("le", "0.25")}))] == 2
    assert samples[("pagerd_timer_lateness_seconds_bucket", frozenset({("le", "5.0")}))] == 3


def test_a_missing_or_broken_snapshot_leaves_the_parents_own_counts(tmp_path: Path) -> None:
    parent = PrometheusObserver()
    parent.alert_received("api", deduplicated=False)
    parent.merge_from(lambda: read_metrics_file(tmp_path / "none.prom"))
    parent.merge_from(lambda: "pagerd_broken{ this is not exposition text")

    samples = _samples(parent)

    assert samples[("pagerd_alerts_received_total", frozenset({("source", "api")}))] == 1


def test_the_child_writes_its_counts_where_the_parent_reads_them(tmp_path: Path) -> None:
    child = PrometheusObserver()
    child.timer_fired(_fired(1.0))
    path = tmp_path / "metrics.prom"
    snapshots = MetricsSnapshots(path, child.counts_text, interval=3600)
    snapshots.write()
    parent = PrometheusObserver()
    parent.merge_from(lambda: read_metrics_file(path))

    assert _samples(parent)[("pagerd_timers_fired_total", frozenset({("escalated", "false")}))] == 1


def test_the_prometheus_observer_is_found_in_a_fan_out() -> None:
    metrics = PrometheusObserver()
    assert prometheus_observer(ObserverFanOut(metrics, LoggingObserver())) is metrics
    assert prometheus_observer(metrics) is metrics
    assert prometheus_observer(LoggingObserver()) is None
