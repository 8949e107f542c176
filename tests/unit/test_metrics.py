"""Prometheus metrics: a scripted incident moves counters, histograms and queue gauges."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from pagerd.adapters.metrics import PrometheusObserver, render_metrics
from pagerd.domain.channels import Channel
from pagerd.service_layer import alerts
from pagerd.service_layer.delivery import claim_pages, record_delivery
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.service_layer.timers import fire_next_due_timer
from pagerd.testing.harness import PagingHarness, level, user_target

Samples = Mapping[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(observer: PrometheusObserver) -> Samples:
    text = render_metrics(observer.registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


class _Incident:
    """A harness whose workers report to a PrometheusObserver, as the real workers do."""

    def __init__(self) -> None:
        self.h = PagingHarness()
        self.observer = PrometheusObserver(self.h.clock)
        self.observer.watch_queues(lambda: self.h.uow, self.h.clock)
        self.sender = self.h.senders[Channel.EMAIL]

    def alert(self, service_id, message: str, source: str = "api"):  # type: ignore[no-untyped-def]
        received = alerts.receive_alert(self.h.uow, self.h.clock, service_id, message)
        self.observer.alert_received(source, received.deduplicated)
        return received.alert

    def deliver(self, seconds_per_send: float = 0.2) -> list[OutgoingPage]:
        pages = claim_pages(self.h.uow, self.h.clock, "test")
        for page in pages:
            result = self.h.senders[page.channel].send(page)
            self.observer.page_attempted(page, result, seconds_per_send)
            record_delivery(self.h.uow, self.h.clock, page, result, lambda: 0.0)
        return pages

    def fire_timers(self) -> None:
        while (fired := fire_next_due_timer(self.h.uow, self.h.clock)) is not None:
            self.observer.timer_fired(fired)


def test_a_scripted_incident_moves_every_counter_and_histogram_by_the_right_amount() -> None:
    run = _Incident()
    service = run.h.create_service("checkout")
    run.h.set_policy(
        service.id,
        [
            level("alice@example.com", "bob@example.com", timeout=300),
            level("carol@example.com", timeout=300),
        ],
    )

    alert = run.alert(service.id, "checkout is down")
    run.alert(service.id, "still down", source="alertmanager")
    run.h.clock.advance(30)
    run.deliver()  # level 0: two e-mails, 30 s after the alert
    run.h.clock.advance(300 - 30 + 4)  # the level-0 timer (due at 300 s) fires 4 s late
    run.fire_timers()
    run.sender.answer(DeliveryResult.permanent("mailbox does not exist"))
    run.deliver()  # level 1: carol's address is refused

    samples = _scrape(run.observer)
    assert _value(samples, "pagerd_alerts_received_total", source="api") == 1
    assert _value(samples, "pagerd_alerts_received_total", source="alertmanager") == 1
    assert _value(samples, "pagerd_alerts_deduplicated_total", source="alertmanager") == 1
    assert _value(samples, "pagerd_alerts_deduplicated_total", source="api") == 0
    assert _value(samples, "pagerd_notifications_sent_total", channel="email") == 2
    assert (
        _value(samples, "pagerd_notifications_failed_total", channel="email", kind="permanent") == 1
    )
    assert (
        _value(samples, "pagerd_delivery_attempts_total", channel="email", outcome="delivered") == 2
    )
    assert (
        _value(
            samples, "pagerd_delivery_attempts_total", channel="email", outcome="permanent_failure"
        )
        == 1
    )
    assert _value(samples, "pagerd_delivery_duration_seconds_count", channel="email") == 3
    assert _value(samples, "pagerd_escalations_total") == 1
    assert _value(samples, "pagerd_timers_fired_total", escalated="true") == 1
    assert _value(samples, "pagerd_timer_lateness_seconds_count") == 1
    assert _value(samples, "pagerd_timer_lateness_seconds_sum") == 4
    assert _value(samples, "pagerd_timer_lateness_seconds_bucket", le="2.0") == 0
    assert _value(samples, "pagerd_timer_lateness_seconds_bucket", le="5.0") == 1
    # One observation per alert, although two level-0 pages were delivered.
    assert _value(samples, "pagerd_alert_to_first_page_seconds_count") == 1
    assert _value(samples, "pagerd_alert_to_first_page_seconds_sum") == 30
    assert run.h.get_alert(alert.id).level == 1


def test_a_timeout_that_exhausts_escalation_is_not_counted_as_an_escalation() -> None:
    # A one-level policy without repeat: its timer ends the escalation and pages nobody.
    run = _Incident()
    service = run.h.create_service("checkout")
    run.h.set_policy(service.id, [level("alice@example.com", timeout=300)])
    alert = run.alert(service.id, "checkout is down")
    run.deliver()
    run.h.clock.advance(300)
    run.fire_timers()

    samples = _scrape(run.observer)
    assert _value(samples, "pagerd_escalations_total") == 0
    assert _value(samples, "pagerd_timers_fired_total", escalated="true") == 0
    assert _value(samples, "pagerd_timers_fired_total", escalated="false") == 1
    assert run.h.get_alert(alert.id).escalation_ended_at is not None


def test_queue_gauges_are_read_from_the_database_at_scrape_time() -> None:
    run = _Incident()
    service = run.h.create_service("checkout")
    run.h.set_policy(service.id, [level("alice@example.com", "+5492664295169")])
    run.alert(service.id, "checkout is down")
    run.h.clock.advance(12)

    before = _scrape(run.observer)
    run.deliver()
    after = _scrape(run.observer)

    assert _value(before, "pagerd_database_up") == 1
    assert _value(before, "pagerd_alerts", status="open") == 1
    assert _value(before, "pagerd_alerts", status="acknowledged") == 0
    assert _value(before, "pagerd_notifications_pending") == 2
    assert _value(before, "pagerd_notification_backlog_seconds") == 12
    assert _value(before, "pagerd_timers_armed") == 1
    assert _value(before, "pagerd_timer_backlog_seconds") == 0
    assert _value(after, "pagerd_notifications_pending") == 0
    assert _value(after, "pagerd_notification_backlog_seconds") == 0


def test_a_database_that_does_not_answer_shows_as_down_and_the_scrape_still_works() -> None:
    def broken_uow():  # type: ignore[no-untyped-def]
        raise ConnectionError("database is down")

    observer = PrometheusObserver()
    observer.watch_queues(broken_uow, PagingHarness().clock)

    samples = _scrape(observer)

    assert _value(samples, "pagerd_database_up") == 0
    assert ("pagerd_notifications_pending", frozenset()) not in samples


def test_the_observer_never_raises_even_on_a_malformed_page() -> None:
    observer = PrometheusObserver()
    page = OutgoingPage(Channel.EMAIL, "alice@example.com", items=())

    observer.page_attempted(page, DeliveryResult.delivered(), seconds=-1.0)
    observer.timer_fired(None)  # type: ignore[arg-type]

    assert _value(_scrape(observer), "pagerd_timers_fired_total", escalated="true") == 0


def test_the_first_page_latency_is_observed_once_per_alert_even_across_retries() -> None:
    run = _Incident()
    service = run.h.create_service("checkout")
    run.h.set_policy(service.id, [level("alice@example.com")])
    run.alert(service.id, "checkout is down")
    run.sender.answer(DeliveryResult.transient("connection refused"))
    run.deliver()
    run.h.clock.advance(timedelta(seconds=10))
    run.deliver()

    samples = _scrape(run.observer)

    assert (
        _value(samples, "pagerd_notifications_failed_total", channel="email", kind="transient") == 1
    )
    assert _value(samples, "pagerd_alert_to_first_page_seconds_count") == 1
    assert _value(samples, "pagerd_alert_to_first_page_seconds_sum") == 10


def test_the_timer_backlog_counts_overdue_notification_rules_too() -> None:
    h = PagingHarness()
    alice = h.create_user("alice")
    email = h.add_contact_method(alice.id, "email", "a@example.com")
    sms = h.add_contact_method(alice.id, "sms", "+14155550123")
    h.set_rules(alice.id, (email, 0), (sms, 5))
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(user_target(alice.id), timeout=3600)])
    h.alert(service.id)
    h.run_workers()
    observer = PrometheusObserver()
    observer.watch_queues(lambda: h.uow, h.clock)

    h.clock.advance(timedelta(minutes=5, seconds=7))

    assert _value(_scrape(observer), "pagerd_timer_backlog_seconds") == 7


def test_finished_calls_count_by_outcome_and_unanswered_ones_as_failed_attempts() -> None:
    observer = PrometheusObserver(PagingHarness().clock)

    observer.call_finished("voice", "answered", 0, 0)
    observer.call_finished("voice", "unanswered", 2, 0)
    observer.call_finished("voice", "unanswered", 0, 1)

    samples = _scrape(observer)
    finished = "pagerd_calls_finished_total"
    assert _value(samples, finished, channel="voice", outcome="answered") == 1
    assert _value(samples, finished, channel="voice", outcome="unanswered") == 2
    failed = "pagerd_notifications_failed_total"
    assert _value(samples, failed, channel="voice", kind="transient") == 2
    assert _value(samples, failed, channel="voice", kind="permanent") == 1


def test_slack_voice_and_teams_attempts_are_counted_by_channel_and_outcome() -> None:
    run = _Incident()
    user = run.h.create_user("alice")
    run.h.add_contact_method(user.id, "voice", "+14155550100")
    teams = "https://contoso.webhook.office.com/workflows/1?sig=abc"
    service = run.h.create_service("checkout")
    targets = ("slack:C0123ABCD", f"teams:{teams}", user_target(user.id))
    run.h.set_policy(service.id, [level(*targets)])
    run.h.senders[Channel.TEAMS].answer(DeliveryResult.transient("Teams answered 502"))
    run.h.senders[Channel.VOICE].answer(DeliveryResult.permanent("Twilio answered 400"))
    run.alert(service.id, "disk full")

    pages = run.deliver()

    assert {p.channel for p in pages} == {Channel.SLACK, Channel.TEAMS, Channel.VOICE}
    samples = _scrape(run.observer)
    attempts = "pagerd_delivery_attempts_total"
    assert _value(samples, attempts, channel="slack", outcome="delivered") == 1
    assert _value(samples, attempts, channel="teams", outcome="transient_failure") == 1
    assert _value(samples, attempts, channel="voice", outcome="permanent_failure") == 1
    failed = "pagerd_notifications_failed_total"
    assert _value(samples, failed, channel="teams", kind="transient") == 1
    assert _value(samples, failed, channel="voice", kind="permanent") == 1
    assert _value(samples, "pagerd_notifications_sent_total", channel="slack") == 1
