"""The observer port: what entry points, workers and units of work report, for metrics and logs.

Use cases stay free of metrics and logging libraries: the entry point that ran a use case
reports its outcome here, and the unit of work reports the alert history it committed.
`pagerd.adapters.metrics` implements the port with Prometheus, `pagerd.adapters.event_log`
with structured log events; `pagerd.adapters.observers.ObserverFanOut` feeds both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from pagerd.domain.timer import FiredTimer
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.service_layer.ports import TimelineEntry


class Observer(Protocol):
    """Receives facts as they happen. Implementations must be thread-safe and never raise."""

    def alert_received(
        self,
        source: str,
        deduplicated: bool,
        alert_id: UUID | None = None,
        service_id: UUID | None = None,
    ) -> None:
        """An alert was accepted (`source`: api, pagerduty, alertmanager, cli) and opened
        the incident `alert_id` of `service_id`, or joined it (`deduplicated`)."""
        ...

    def timer_fired(self, fired: FiredTimer) -> None:
        """A timer was consumed (its lateness, whether it escalated)."""
        ...

    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        """A message was handed to its channel, with the outcome and how long it took."""
        ...

    def call_finished(self, channel: str, outcome: str, retried: int, failed: int) -> None:
        """A call's final status arrived (`outcome`: answered or unanswered); an unanswered
        call put `retried` pages back in the queue and failed `failed` for good."""
        ...

    def alert_history_committed(self, entries: Sequence[TimelineEntry]) -> None:
        """Timeline entries (opened, joined, acknowledged, resolved, ...) are now durable."""
        ...

    def signed_in(self, username: str, succeeded: bool, reason: str = "") -> None:
        """Someone signed in to the console, or failed to (`reason` says why, not secrets)."""
        ...

    def configuration_changed(
        self, action: str, subject: str, subject_id: str | None = None, by: str = ""
    ) -> None:
        """A service, policy, token or user was created, updated or deleted (`by` whom)."""
        ...


class NullObserver:
    """Observes nothing; the default, and a base for fakes that observe a few facts."""

    def alert_received(
        self,
        source: str,
        deduplicated: bool,
        alert_id: UUID | None = None,
        service_id: UUID | None = None,
    ) -> None:
        return None

    def timer_fired(self, fired: FiredTimer) -> None:
        return None

    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        return None

    def call_finished(self, channel: str, outcome: str, retried: int, failed: int) -> None:
        return None

    def alert_history_committed(self, entries: Sequence[TimelineEntry]) -> None:
        return None

    def signed_in(self, username: str, succeeded: bool, reason: str = "") -> None:
        return None

    def configuration_changed(
        self, action: str, subject: str, subject_id: str | None = None, by: str = ""
    ) -> None:
        return None
