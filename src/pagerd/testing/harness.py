"""A whole pagerd on fakes: in-memory store, fake clock, recording senders.

`advance` moves the clock and then runs the workers' cycles until nothing is due, which is
what the real workers do continuously. Used by the unit tests and by `pagerd demo`, and by
the integration tests on SQLite and PostgreSQL (`make_uow`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel
from pagerd.domain.context import AlertContext
from pagerd.domain.policy import EscalationPolicy, LevelSpec, TargetSpec
from pagerd.domain.service import IncidentGrouping, MonitoredService
from pagerd.domain.severity import Severity
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.delivery import deliver_due_pages
from pagerd.service_layer.paging import OutgoingPage
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork, WorkSignal
from pagerd.service_layer.timers import FiredTimer, fire_next_due_timer
from pagerd.testing.clock import FakeClock
from pagerd.testing.senders import RecordingSender
from pagerd.testing.signal import RecordingSignal

UnitOfWorkFactory = Callable[[WorkSignal], UnitOfWork]
"""Builds the harness's unit of work, given the signal it rings after writing due work."""


def level(*addresses: str, timeout: int = 900) -> LevelSpec:
    """A level spec from addresses: `+…` is SMS, `http…` a webhook, anything else e-mail."""
    return LevelSpec(targets=[_target(a) for a in addresses], ack_timeout_seconds=timeout)


def _target(address: str) -> TargetSpec:
    if address.startswith("+"):
        return TargetSpec("sms", address)
    if address.startswith("http"):
        return TargetSpec("webhook", address)
    return TargetSpec("email", address)


class PagingHarness:
    """pagerd wired on fakes, driven step by step."""

    def __init__(self, seed: int = 0, make_uow: UnitOfWorkFactory | None = None) -> None:
        """On the in-memory store by default; `make_uow` runs the same steps on another
        unit of work (SQLite, PostgreSQL), given the signal it should ring."""
        self.store = InMemoryStore()
        self.signal = RecordingSignal()
        self.uow: UnitOfWork = (
            make_uow(self.signal)
            if make_uow is not None
            else InMemoryUnitOfWork(self.store, self.signal)
        )
        self.clock = FakeClock()
        self.journal: list[OutgoingPage] = []
        self.senders = {channel: RecordingSender(self.journal) for channel in Channel}
        self.fired: list[FiredTimer] = []
        self._random = random.Random(seed)  # noqa: S311 -- retry jitter, not a secret

    def create_service(
        self,
        name: str,
        incident_grouping: IncidentGrouping = IncidentGrouping.SERVICE,
        paging_severity: Severity = Severity.INFO,
    ) -> MonitoredService:
        return services.create_service(
            self.uow, self.clock, name, incident_grouping, paging_severity
        )

    def set_policy(
        self, service_id: UUID, levels: Sequence[LevelSpec], repeat: int = 0
    ) -> EscalationPolicy:
        return policies.put_policy(self.uow, service_id, levels, repeat)

    def alert(
        self,
        service_id: UUID,
        message: str = "down",
        dedup_key: str | None = None,
        severity: Severity | None = None,
        context: AlertContext | None = None,
    ) -> Alert:
        if severity is not None:
            context = replace(context or AlertContext(), severity=severity)
        return alerts.receive_alert(
            self.uow, self.clock, service_id, message, dedup_key, context
        ).alert

    def acknowledge(self, alert_id: UUID, by: str | None = None) -> Alert:
        return alerts.acknowledge(self.uow, self.clock, alert_id, by)

    def healthy(self, service_id: UUID) -> MonitoredService:
        return services.mark_healthy(self.uow, self.clock, service_id)

    def run_workers(self) -> None:
        """Fire every due timer and deliver every due page, until nothing is left due."""
        while True:
            fired = fire_next_due_timer(self.uow, self.clock)
            if fired is not None:
                self.fired.append(fired)
                continue
            if not deliver_due_pages(
                self.uow, self.clock, self.senders, "harness", self._random.random
            ):
                return

    def advance(self, seconds: float = 0) -> None:
        """Move the clock, then let the workers catch up."""
        self.clock.advance(timedelta(seconds=seconds))
        self.run_workers()

    def pages(self, channel: Channel | None = None) -> list[OutgoingPage]:
        """Every message sent (of one channel, or all), in the order it was sent."""
        return [p for p in self.journal if channel is None or p.channel is channel]

    def paged_addresses(self) -> list[str]:
        """Addresses that received a message, once per message, in order."""
        return [p.address for p in self.journal]

    def get_alert(self, alert_id: UUID) -> Alert:
        with self.uow:
            found = self.uow.alerts.get(alert_id)
        assert found is not None
        return found

    def get_service(self, service_id: UUID) -> MonitoredService:
        with self.uow:
            found = self.uow.services.get(service_id)
        assert found is not None
        return found

    def timeline(self, alert_id: UUID) -> list[TimelineEntry]:
        with self.uow:
            return self.uow.timeline.list_for_alert(alert_id)

    def armed_timer(self, alert_id: UUID) -> tuple[int, int] | None:
        """(level, pass) of the alert's armed timer, or None."""
        with self.uow:
            timer = self.uow.timers.pending_for_alert(alert_id)
        return (timer.level, timer.pass_number) if timer is not None else None
