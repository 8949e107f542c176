"""Random interleavings of everything that can happen to a few services, checked after every step.

Hypothesis drives alerts, acknowledgements (by id and by dedup key), healthy events, dedup-key
resolutions, clock moves, timer firings, dispatcher cycles with any delivery outcome, and
dispatchers killed after claiming, over services with random policies (or none). After every
step the machine checks the promises: at most one active incident per service; a target
delivered at most once per (alert, level, pass); nothing sent for an acknowledged or resolved
alert; levels triggered in plan order; an open incident always either waits on a timer of its
current level or has exhausted its plan; no timer for an acknowledged or resolved alert.
A dispatcher sends right after it claims; a page already handed to its provider when an
acknowledge commits (in flight, beyond recall) is not modelled.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.errors import AlertAlreadyResolved
from pagerd.domain.service import ServiceStatus
from pagerd.service_layer import alerts
from pagerd.service_layer.delivery import claim_pages, deliver_due_pages
from pagerd.service_layer.paging import DeliveryOutcome, DeliveryResult, OutgoingPage
from pagerd.service_layer.timers import fire_next_due_timer
from pagerd.testing.harness import PagingHarness, level

ADDRESSES = ["a@example.com", "b@example.com", "+15555550100", "https://hooks.example.com/p"]
KEYS = ["disk", "cpu", "mem"]
OUTCOMES = [
    DeliveryResult.delivered(),
    DeliveryResult.transient("503 try later"),
    DeliveryResult.permanent("550 no such user"),
]

levels_strategy = st.lists(
    st.tuples(
        st.sampled_from([30, 60, 300]),
        st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=2),
    ),
    min_size=1,
    max_size=3,
)
policy_strategy = st.none() | st.tuples(levels_strategy, st.integers(min_value=0, max_value=2))


class _ScriptedSender:
    """Answers every page with the outcome the machine chose, and lets the machine see it."""

    def __init__(self, machine: PagingMachine) -> None:
        self.outcome = DeliveryResult.delivered()
        self._machine = machine

    def send(self, page: OutgoingPage) -> DeliveryResult:
        self._machine.saw_send(page, self.outcome)
        return self.outcome


class PagingMachine(RuleBasedStateMachine):
    """pagerd on fakes, with the model the invariants need: which incidents each service had."""

    def __init__(self) -> None:
        super().__init__()
        self.h = PagingHarness()
        self.sender = _ScriptedSender(self)
        self.h.senders = dict.fromkeys(Channel, self.sender)
        self.services: list[UUID] = []
        self.incidents: dict[UUID, list[UUID]] = {}
        self.delivered: Counter[tuple[UUID, int, int, UUID]] = Counter()
        self.sent_while_not_open: list[tuple[UUID, AlertStatus]] = []
        self.sent_untriggered: list[tuple[UUID, int, int]] = []

    # -- setup and rules ---------------------------------------------------------------------

    @initialize(policies=st.lists(policy_strategy, min_size=1, max_size=2))
    def create_services(self, policies: list[Any]) -> None:
        for index, policy in enumerate(policies):
            service = self.h.create_service(f"service-{index}")
            if policy is not None:
                levels, repeat = policy
                specs = [level(*addresses, timeout=timeout) for timeout, addresses in levels]
                self.h.set_policy(service.id, specs, repeat)
            self.services.append(service.id)
            self.incidents[service.id] = []

    @rule(data=st.data(), key=st.sampled_from(KEYS))
    def alert(self, data: st.DataObject, key: str) -> None:
        service_id = data.draw(st.sampled_from(self.services))
        received = alerts.receive_alert(self.h.uow, self.h.clock, service_id, "down", key)
        if not received.deduplicated:
            self.incidents[service_id].append(received.alert.id)

    @rule(data=st.data(), by_key=st.booleans(), key=st.sampled_from(KEYS))
    def acknowledge(self, data: st.DataObject, by_key: bool, key: str) -> None:
        service_id = data.draw(st.sampled_from(self.services))
        if by_key:
            alerts.acknowledge_by_dedup_key(self.h.uow, self.h.clock, service_id, key)
            return
        if not self.incidents[service_id]:
            return
        alert = self.h.get_alert(self.incidents[service_id][-1])
        try:
            acked = self.h.acknowledge(alert.id, by="oncall")
        except AlertAlreadyResolved:
            assert alert.status is AlertStatus.RESOLVED
            return
        assert acked.status is AlertStatus.ACKNOWLEDGED

    @rule(data=st.data(), key=st.sampled_from(KEYS))
    def resolve_key(self, data: st.DataObject, key: str) -> None:
        service_id = data.draw(st.sampled_from(self.services))
        alerts.resolve_dedup_key(self.h.uow, self.h.clock, service_id, key)

    @rule(data=st.data())
    def healthy(self, data: st.DataObject) -> None:
        service_id = data.draw(st.sampled_from(self.services))
        assert self.h.healthy(service_id).status is ServiceStatus.HEALTHY

    @rule(seconds=st.sampled_from([1, 5, 30, 60, 120, 300, 900]))
    def move_clock(self, seconds: int) -> None:
        self.h.clock.advance(timedelta(seconds=seconds))

    @rule()
    def fire_one_timer(self) -> None:
        fire_next_due_timer(self.h.uow, self.h.clock)

    @rule(result=st.sampled_from(OUTCOMES))
    def dispatch_once(self, result: DeliveryResult) -> None:
        self.sender.outcome = result
        deliver_due_pages(self.h.uow, self.h.clock, self.h.senders, "dispatcher", lambda: 0.5)

    @rule()
    def kill_a_dispatcher_after_it_claimed(self) -> None:
        # A short lease, so that most clock moves let another dispatcher take the pages over.
        claim_pages(self.h.uow, self.h.clock, "killed", limit=2, lease=timedelta(seconds=5))

    @rule(result=st.sampled_from(OUTCOMES))
    def run_workers_until_idle(self, result: DeliveryResult) -> None:
        self.sender.outcome = result
        self.h.run_workers()

    # -- what the sender saw -----------------------------------------------------------------

    def saw_send(self, page: OutgoingPage, result: DeliveryResult) -> None:
        """Called at send time, outside any transaction: the store shows the committed state."""
        for item in page.items:
            alert = self.h.store.state.alerts[item.alert_id]
            if alert.status is not AlertStatus.OPEN:
                self.sent_while_not_open.append((alert.id, alert.status))
            if (item.level, item.pass_number) not in self._triggered(item.alert_id):
                self.sent_untriggered.append((item.alert_id, item.level, item.pass_number))
            if result.outcome is DeliveryOutcome.DELIVERED:
                key = (item.alert_id, item.level, item.pass_number, item.target_id)
                self.delivered[key] += 1

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def one_active_incident_per_service_and_health_matches_it(self) -> None:
        state = self.h.store.state
        active = Counter(
            a.monitored_service_id for a in state.alerts.values() if a.status.is_active
        )
        assert max(active.values(), default=0) <= 1
        for service_id in self.services:
            unhealthy = state.services[service_id].status is ServiceStatus.UNHEALTHY
            assert unhealthy == (active[service_id] == 1)

    @invariant()
    def each_target_is_delivered_at_most_once_per_level_and_pass(self) -> None:
        assert max(self.delivered.values(), default=0) <= 1

    @invariant()
    def nothing_is_sent_for_an_acknowledged_or_resolved_alert(self) -> None:
        assert self.sent_while_not_open == []
        assert self.sent_untriggered == []

    @invariant()
    def levels_are_triggered_in_plan_order_and_exhausted_at_most_once(self) -> None:
        for alert in self.h.store.state.alerts.values():
            walk = self._escalation(alert.id)
            notified = [t for t in walk if t[0] == "notified"]
            assert notified == self._plan_walk(alert)[: len(notified)]
            exhausted = [i for i, t in enumerate(walk) if t[0] == "exhausted"]
            assert exhausted in ([], [len(walk) - 1])

    @invariant()
    def timers_wait_only_on_the_current_level_of_open_incidents(self) -> None:
        state = self.h.store.state
        timers = {t.alert_id: t for t in state.timers.values()}
        for alert in state.alerts.values():
            timer = timers.get(alert.id)
            if alert.status is not AlertStatus.OPEN or alert.plan is None:
                assert timer is None
                continue
            exhausted = any(t[0] == "exhausted" for t in self._escalation(alert.id))
            assert (timer is None) == exhausted, "an open incident must wait on a timer"
            if timer is not None:
                assert (timer.level, timer.pass_number) == (alert.level, alert.pass_number)

    # -- helpers -----------------------------------------------------------------------------

    def _escalation(self, alert_id: UUID) -> list[tuple[str, int, int]]:
        return [
            (e.type, e.details["level_id"], e.details["pass"])
            for e in self.h.store.state.timeline
            if e.alert_id == alert_id and e.type in ("notified", "exhausted")
        ]

    def _triggered(self, alert_id: UUID) -> set[tuple[int, int]]:
        return {(lv, p) for kind, lv, p in self._escalation(alert_id) if kind == "notified"}

    @staticmethod
    def _plan_walk(alert: Alert) -> list[tuple[str, int, int]]:
        if alert.plan is None:
            return []
        return [
            ("notified", lv, p)
            for p in range(alert.plan.repeat + 1)
            for lv in range(len(alert.plan.levels))
        ]


PagingMachine.TestCase.settings = settings(
    # A few seconds by default; PAGERD_PROPERTY_EXAMPLES=2000 for a thorough run.
    max_examples=int(os.environ.get("PAGERD_PROPERTY_EXAMPLES", "60")),
    stateful_step_count=40,
    deadline=None,
    database=None,  # keep the shared working tree clean; a failure prints its steps
    suppress_health_check=[HealthCheck.too_slow],
)
TestPagingMachine = PagingMachine.TestCase
