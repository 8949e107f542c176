"""Several observers behind one: metrics and the event log both hear every fact."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from pagerd.domain.timer import FiredTimer
from pagerd.service_layer.observability import Observer
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.service_layer.ports import TimelineEntry


class ObserverFanOut:
    """Implements the Observer port by telling each of `observers`, in order.

    `registry` is the first observer's `registry` attribute, if it has one (the Prometheus
    registry that `/metrics` serves).
    """

    def __init__(self, *observers: Observer) -> None:
        self.observers = observers
        self.registry = next(
            (getattr(o, "registry") for o in observers if hasattr(o, "registry")),  # noqa: B009
            None,
        )

    def alert_received(
        self,
        source: str,
        deduplicated: bool,
        alert_id: UUID | None = None,
        service_id: UUID | None = None,
    ) -> None:
        for observer in self.observers:
            observer.alert_received(source, deduplicated, alert_id, service_id)

    def timer_fired(self, fired: FiredTimer) -> None:
        for observer in self.observers:
            observer.timer_fired(fired)

    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        for observer in self.observers:
            observer.page_attempted(page, result, seconds)

    def call_finished(self, channel: str, outcome: str, retried: int, failed: int) -> None:
        for observer in self.observers:
            observer.call_finished(channel, outcome, retried, failed)

    def alert_history_committed(self, entries: Sequence[TimelineEntry]) -> None:
        for observer in self.observers:
            observer.alert_history_committed(entries)

    def signed_in(self, username: str, succeeded: bool, reason: str = "") -> None:
        for observer in self.observers:
            observer.signed_in(username, succeeded, reason)

    def configuration_changed(
        self, action: str, subject: str, subject_id: str | None = None, by: str = ""
    ) -> None:
        for observer in self.observers:
            observer.configuration_changed(action, subject, subject_id, by)
