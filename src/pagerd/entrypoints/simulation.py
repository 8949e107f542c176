"""A whole pagerd in one process, driven step by step: the production engine on fakes.

The engine's registered duties (timers, dispatch, retention) run on an in-memory store (or
on a unit of work given, SQLite or PostgreSQL), with a clock that moves only when told and
senders that record every message. `advance` moves the clock and runs the duties' cycles
until nothing is due, which is what the running engine does continuously. `pagerd demo`
tells its story with it; the scenario tests drive it (`pagerd.testing.harness`).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from pagerd.adapters.memory import (
    FakeClock,
    InMemoryStore,
    InMemoryUnitOfWork,
    RecordingSender,
    RecordingSignal,
)
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel
from pagerd.domain.context import AlertContext
from pagerd.domain.policy import EscalationPolicy, LevelSpec
from pagerd.domain.service import IncidentGrouping, MonitoredService
from pagerd.domain.severity import Severity
from pagerd.domain.timer import FiredTimer
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.entrypoints.workers.duties import DUTIES
from pagerd.entrypoints.workers.duty import DutySpec
from pagerd.service_layer import alerts, policies, services
from pagerd.service_layer.observability import NullObserver
from pagerd.service_layer.paging import OutgoingPage
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork, WorkSignal

UnitOfWorkFactory = Callable[[WorkSignal], UnitOfWork]
"""Builds a unit of work of the simulation, given the signal it rings after writing due
work."""


class _TimerRecorder(NullObserver):
    """Keeps the timers the engine reports fired."""

    def __init__(self, fired: list[FiredTimer]) -> None:
        self._fired = fired

    def timer_fired(self, fired: FiredTimer) -> None:
        self._fired.append(fired)


ANY_NETWORK = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


class SimulatedPagerd:
    """pagerd wired on fakes; its engine's duties are driven by `run_workers`/`advance`.

    Sends run in the dispatch duty's thread (`send_threads=0`), so messages are recorded in
    the order they were claimed, and a run ends with nothing in flight.
    """

    def __init__(
        self,
        seed: int = 0,
        make_uow: UnitOfWorkFactory | None = None,
        settings: Settings | None = None,
        duties: Sequence[DutySpec] = DUTIES,
        public_url: str = "http://127.0.0.1:8080",
        secret_key: bytes = b"pagerd-development-secret-key-change-me",
    ) -> None:
        """On the in-memory store by default; `make_uow` runs the same steps on another
        unit of work (SQLite, PostgreSQL), given the signal it should ring. `settings`
        (PAGERD_RETENTION_DAYS, say) default to pagerd's defaults; `duties` to the
        registry; `public_url` and `secret_key` make the pages' acknowledge links."""
        self.store = InMemoryStore()
        self.signal = RecordingSignal()
        self.make_uow: Callable[[], UnitOfWork] = (
            (lambda: make_uow(self.signal))
            if make_uow is not None
            else (lambda: InMemoryUnitOfWork(self.store, self.signal))
        )
        self.uow = self.make_uow()
        self.clock = FakeClock()
        self.journal: list[OutgoingPage] = []
        self.senders = {channel: RecordingSender(self.journal) for channel in Channel}
        self.fired: list[FiredTimer] = []
        container = Container(
            # The defaults, not the environment's: a simulation is the same wherever it runs.
            settings=settings or Settings.model_construct(),
            uow_factory=self.make_uow,
            clock=self.clock,
            senders=self.senders,
            wakeup=self.signal,
            observer=_TimerRecorder(self.fired),
            public_url=public_url,
            secret_key=secret_key,
        )
        jitter = random.Random(seed).random  # noqa: S311 -- retry jitter, not a secret
        self.engine = WorkerEngine(
            container,
            WorkerOptions(send_threads=0),
            worker_id="simulation",
            jitter=jitter,
            duties=duties,
        )

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
        """Store a policy; any webhook URL is accepted (a simulation connects nowhere, and
        tests of sending rely on the senders' own address guard)."""
        return policies.put_policy(self.uow, service_id, levels, repeat, ANY_NETWORK)

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
        """Run every duty of the engine until none finds anything due."""
        self.engine.run_until_idle()

    def advance(self, seconds: float = 0) -> None:
        """Move the clock, then let the engine catch up."""
        self.clock.advance(timedelta(seconds=seconds))
        self.run_workers()

    def pages(self, channel: Channel | None = None) -> list[OutgoingPage]:
        """Every message sent (of one channel, or all), in the order it was sent."""
        return [p for p in self.journal if channel is None or p.channel is channel]

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
