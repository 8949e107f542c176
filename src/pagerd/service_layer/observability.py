"""The observer port: what entry points and workers report, for metrics and logs.

Use cases stay free of metrics libraries; the entry point that ran a use case reports its
outcome here. `pagerd.adapters.metrics` implements it with Prometheus.
"""

from __future__ import annotations

from typing import Protocol

from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.service_layer.timers import FiredTimer


class Observer(Protocol):
    """Receives facts as they happen. Implementations must be thread-safe and never raise."""

    def alert_received(self, source: str, deduplicated: bool) -> None:
        """An alert was accepted (`source`: api, pagerduty, alertmanager, cli)."""
        ...

    def timer_fired(self, fired: FiredTimer) -> None:
        """A timer was consumed (its lateness, whether it escalated)."""
        ...

    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        """A message was handed to its channel, with the outcome and how long it took."""
        ...


class NullObserver:
    """Observes nothing; the default."""

    def alert_received(self, source: str, deduplicated: bool) -> None:
        return None

    def timer_fired(self, fired: FiredTimer) -> None:
        return None

    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        return None
