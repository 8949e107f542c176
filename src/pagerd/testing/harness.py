"""A whole pagerd on fakes: in-memory store, fake clock, recording senders.

`advance` moves the clock and then runs the workers' cycles until nothing is due, which is
what the real workers do continuously. Used by the unit tests and by `pagerd demo`, and by
the integration tests on SQLite and PostgreSQL (`make_uow`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from uuid import UUID, uuid4

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.domain.accounts import User
from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel
from pagerd.domain.people import ContactMethod, RuleSpec
from pagerd.domain.policy import EscalationPolicy, LevelSpec, TargetSpec
from pagerd.domain.service import MonitoredService
from pagerd.service_layer import alerts, contact_methods, policies, services
from pagerd.service_layer.delivery import deliver_due_pages
from pagerd.service_layer.paging import OutgoingPage
from pagerd.service_layer.ports import TimelineEntry, UnitOfWork, WorkSignal
from pagerd.service_layer.rule_timers import FiredRuleTimer, fire_due_rule_timers
from pagerd.service_layer.timers import FiredTimer, fire_next_due_timer
from pagerd.testing.clock import FakeClock
from pagerd.testing.senders import RecordingSender
from pagerd.testing.signal import RecordingSignal

UnitOfWorkFactory = Callable[[WorkSignal], UnitOfWork]
"""Builds the harness's unit of work, given the signal it rings after writing due work."""


def level(*addresses: str, timeout: int = 900) -> LevelSpec:
    """A level spec from addresses: `+…` is SMS, `http…` a webhook, `user:<id>` a user
    (see `user_target`), anything else e-mail."""
    return LevelSpec(targets=[_target(a) for a in addresses], ack_timeout_seconds=timeout)


def _target(address: str) -> TargetSpec:
    if address.startswith("user:"):
        return TargetSpec("user", address.removeprefix("user:"))
    if address.startswith("+"):
        return TargetSpec("sms", address)
    if address.startswith("http"):
        return TargetSpec("webhook", address)
    return TargetSpec("email", address)


def user_target(user_id: UUID) -> str:
    """The address `level` reads as a user target."""
    return f"user:{user_id}"


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
        self.fired_rules: list[FiredRuleTimer] = []
        self._random = random.Random(seed)  # noqa: S311 -- retry jitter, not a secret

    def create_service(self, name: str) -> MonitoredService:
        return services.create_service(self.uow, self.clock, name)

    def set_policy(
        self, service_id: UUID, levels: Sequence[LevelSpec], repeat: int = 0
    ) -> EscalationPolicy:
        return policies.put_policy(self.uow, service_id, levels, repeat)

    def create_user(self, username: str, disabled: bool = False) -> User:
        """A user (no password is needed to be paged)."""
        user = User(uuid4(), username, "!", self.clock.now(), disabled=disabled)
        with self.uow:
            self.uow.users.add(user)
            self.uow.commit()
        return user

    def add_contact_method(self, user_id: UUID, type_: str, address: str) -> ContactMethod:
        return contact_methods.add_contact_method(self.uow, self.clock, user_id, type_, address)

    def set_rules(self, user_id: UUID, *rules: tuple[ContactMethod, int]) -> None:
        """Replace the user's rules: (contact method, delay in minutes) pairs."""
        specs = [RuleSpec(method.id, minutes) for method, minutes in rules]
        contact_methods.put_notification_rules(self.uow, user_id, specs)

    def alert(self, service_id: UUID, message: str = "down", dedup_key: str | None = None) -> Alert:
        return alerts.receive_alert(self.uow, self.clock, service_id, message, dedup_key).alert

    def acknowledge(self, alert_id: UUID, by: str | None = None) -> Alert:
        return alerts.acknowledge(self.uow, self.clock, alert_id, by)

    def healthy(self, service_id: UUID) -> MonitoredService:
        return services.mark_healthy(self.uow, self.clock, service_id)

    def run_workers(self) -> None:
        """Fire every due timer (levels', then rules') and deliver every due page, until
        nothing is left due."""
        while True:
            fired = fire_next_due_timer(self.uow, self.clock)
            if fired is not None:
                self.fired.append(fired)
                continue
            rules = fire_due_rule_timers(self.uow, self.clock, 25)
            if rules:
                self.fired_rules.extend(rules)
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
