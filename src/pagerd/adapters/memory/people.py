"""In-memory repositories of contact methods, notification rules and rule timers."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import Lease, StoreState
from pagerd.domain.channels import Channel
from pagerd.domain.people import ContactMethod, NotificationRule
from pagerd.domain.test_message import TestMessage
from pagerd.domain.timer import RuleTimer


class InMemoryContactMethodRepository:
    """Contact methods; deleting one takes its rules and pending timers with it, as the
    schema's cascades do."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, method: ContactMethod) -> None:
        self._s.contact_methods[method.id] = method

    def get(self, method_id: UUID) -> ContactMethod | None:
        return self._s.contact_methods.get(method_id)

    def list_for_users(self, user_ids: Collection[UUID]) -> dict[UUID, list[ContactMethod]]:
        found: dict[UUID, list[ContactMethod]] = {user_id: [] for user_id in user_ids}
        ordered = sorted(self._s.contact_methods.values(), key=lambda m: (m.created_at, str(m.id)))
        for method in ordered:
            if method.user_id in found:
                found[method.user_id].append(method)
        return found

    def with_address(self, channel: Channel, address: str) -> list[ContactMethod]:
        found = [
            m
            for m in self._s.contact_methods.values()
            if m.channel is channel and m.address == address
        ]
        return sorted(found, key=lambda m: (m.created_at, str(m.id)))

    def delete(self, method_id: UUID) -> None:
        method = self._s.contact_methods.pop(method_id, None)
        if method is None:
            return
        rules = self._s.notification_rules.get(method.user_id, ())
        self._s.notification_rules[method.user_id] = tuple(
            r for r in rules if r.contact_method_id != method_id
        )
        self._s.rule_timers = {
            k: t for k, t in self._s.rule_timers.items() if t.contact_method_id != method_id
        }
        self._s.test_messages = {
            k: m for k, m in self._s.test_messages.items() if m.contact_method_id != method_id
        }


class InMemoryNotificationRuleRepository:
    """Notification rules, a tuple per user."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def list_for_users(self, user_ids: Collection[UUID]) -> dict[UUID, list[NotificationRule]]:
        return {
            user_id: sorted(
                self._s.notification_rules.get(user_id, ()),
                key=lambda r: (r.delay, str(r.contact_method_id)),
            )
            for user_id in user_ids
        }

    def replace_for_user(self, user_id: UUID, rules: Sequence[NotificationRule]) -> None:
        self._s.notification_rules[user_id] = tuple(rules)


class InMemoryRuleTimerRepository:
    """Timers of later notification rules."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add_many(self, timers: Sequence[RuleTimer]) -> None:
        for timer in timers:
            self._s.rule_timers[timer.id] = timer

    def cancel_for_alerts(self, alert_ids: Collection[UUID]) -> list[RuleTimer]:
        wanted = set(alert_ids)
        cancelled = [t for t in self._s.rule_timers.values() if t.alert_id in wanted]
        for timer in cancelled:
            del self._s.rule_timers[timer.id]
        return sorted(cancelled, key=_due_order)

    def claim_due(self, now: datetime, limit: int) -> list[RuleTimer]:
        due = [t for t in self._s.rule_timers.values() if t.due_at <= now]
        return sorted(due, key=_due_order)[:limit]

    def remove_fired(self, timer_ids: Collection[UUID]) -> set[UUID]:
        return {i for i in set(timer_ids) if self._s.rule_timers.pop(i, None) is not None}

    def count_for_level(self, alert_id: UUID, level: int, pass_number: int) -> int:
        key = (alert_id, level, pass_number)
        return sum(
            1 for t in self._s.rule_timers.values() if (t.alert_id, t.level, t.pass_number) == key
        )

    def list_for_alert(self, alert_id: UUID) -> list[RuleTimer]:
        found = [t for t in self._s.rule_timers.values() if t.alert_id == alert_id]
        return sorted(found, key=_due_order)

    def next_due_at(self) -> datetime | None:
        return min((t.due_at for t in self._s.rule_timers.values()), default=None)


def _due_order(timer: RuleTimer) -> tuple[datetime, str]:
    return (timer.due_at, str(timer.id))


class InMemoryTestMessageRepository:
    """Test messages, with leases."""

    __test__ = False

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, message: TestMessage) -> None:
        self._s.test_messages[message.id] = copy.deepcopy(message)

    def get(self, message_id: UUID) -> TestMessage | None:
        return copy.deepcopy(self._s.test_messages.get(message_id))

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[TestMessage]:
        due = [
            m
            for m in self._s.test_messages.values()
            if m.is_pending
            and m.next_attempt_at <= now
            and (m.id not in self._s.test_leases or self._s.test_leases[m.id].until <= now)
        ]
        claimed = sorted(due, key=lambda m: (m.next_attempt_at, str(m.id)))[:limit]
        for message in claimed:
            self._s.test_leases[message.id] = Lease(worker_id, lease_until)
        return copy.deepcopy(claimed)

    def get_many(self, message_ids: Collection[UUID]) -> dict[UUID, TestMessage]:
        found = self._s.test_messages
        return {i: copy.deepcopy(found[i]) for i in set(message_ids) if i in found}

    def update_many(self, messages: Sequence[TestMessage]) -> None:
        for message in messages:
            self._s.test_messages[message.id] = copy.deepcopy(message)
            self._s.test_leases.pop(message.id, None)

    def release(self, message_id: UUID, worker_id: str) -> None:
        lease = self._s.test_leases.get(message_id)
        if lease is not None and lease.worker_id == worker_id:
            del self._s.test_leases[message_id]

    def next_attempt_at(self) -> datetime | None:
        pending = [m.next_attempt_at for m in self._s.test_messages.values() if m.is_pending]
        return min(pending, default=None)
