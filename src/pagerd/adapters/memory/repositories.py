"""In-memory repositories over a transaction's private copy of the store.

They hand out and keep copies, like a database would: a use case that changes an object
without calling `update` changes nothing, so the fakes catch that bug too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from pagerd.adapters.memory.store import Lease, StoreState
from pagerd.domain.alert import KEYS_SHOWN, Alert, AlertStatus
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.domain.policy import EscalationPolicy
from pagerd.domain.service import MonitoredService
from pagerd.domain.severity import Severity
from pagerd.domain.timer import AckTimer
from pagerd.service_layer.ports import Cursor, TimelineEntry

T = TypeVar("T")


def _copy(item: T | None) -> T | None:
    return copy.deepcopy(item)


def _page(
    items: Iterable[T], key: Callable[[T], Cursor], limit: int, after: Cursor | None, newest: bool
) -> list[T]:
    ordered = sorted(items, key=lambda i: (key(i)[0], str(key(i)[1])), reverse=newest)
    if after is not None:
        mark = (after[0], str(after[1]))
        ordered = [
            i
            for i in ordered
            if (
                (key(i)[0], str(key(i)[1])) < mark if newest else (key(i)[0], str(key(i)[1])) > mark
            )
        ]
    return [copy.deepcopy(i) for i in ordered[:limit]]


class InMemoryServiceRepository:
    """Monitored services."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, service: MonitoredService) -> None:
        self._s.services[service.id] = copy.deepcopy(service)

    def get(self, service_id: UUID) -> MonitoredService | None:
        return _copy(self._s.services.get(service_id))

    def get_for_update(self, service_id: UUID) -> MonitoredService | None:
        return self.get(service_id)

    def get_by_integration_key(self, integration_key: str) -> MonitoredService | None:
        found = [s for s in self._s.services.values() if s.integration_key == integration_key]
        return _copy(found[0]) if found else None

    def get_by_name(self, name: str) -> MonitoredService | None:
        found = [s for s in self._s.services.values() if s.name == name]
        return _copy(found[0]) if found else None

    def update(self, service: MonitoredService) -> None:
        self._s.services[service.id] = copy.deepcopy(service)

    def delete(self, service_id: UUID) -> None:
        self._s.services.pop(service_id, None)
        for heartbeat in list(self._s.heartbeats.values()):  # ON DELETE CASCADE
            if heartbeat.monitored_service_id == service_id:
                del self._s.heartbeats[heartbeat.id]
        for window in list(self._s.maintenance_windows.values()):
            if window.monitored_service_id == service_id:
                del self._s.maintenance_windows[window.id]

    def list(self, limit: int, after: Cursor | None = None) -> list[MonitoredService]:
        return _page(self._s.services.values(), lambda s: (s.created_at, s.id), limit, after, False)


class InMemoryPolicyRepository:
    """Escalation policies, keyed by service."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def get_for_service(self, service_id: UUID) -> EscalationPolicy | None:
        return self._s.policies.get(service_id)  # frozen: no copy needed

    def save(self, policy: EscalationPolicy) -> None:
        self._s.policies[policy.monitored_service_id] = policy

    def delete_for_service(self, service_id: UUID) -> None:
        self._s.policies.pop(service_id, None)


class InMemoryAlertRepository:
    """Alerts."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, alert: Alert) -> None:
        self._store(alert)

    def add_many(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            self._store(alert)

    def update(self, alert: Alert) -> None:
        self._store(alert)

    def update_many(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            self._store(alert)

    def _store(self, alert: Alert) -> None:
        held = self._s.dedup_keys.setdefault(alert.id, [])
        removed = set(alert.removed_keys)
        held[:] = [(n, key) for n, key in held if key not in removed]
        held.extend(alert.added_keys)
        alert.added_keys, alert.removed_keys = [], []
        kept = copy.deepcopy(alert)
        kept.events = []
        self._s.alerts[alert.id] = kept

    def _read(self, alert: Alert) -> Alert:
        """A copy, carrying its first keys as the database adapter reads them."""
        found = copy.deepcopy(alert)
        found.dedup_keys = self._keys(alert.id)[:KEYS_SHOWN]
        return found

    def get(self, alert_id: UUID) -> Alert | None:
        found = self._s.alerts.get(alert_id)
        return self._read(found) if found is not None else None

    def get_for_update(self, alert_id: UUID) -> Alert | None:
        return self.get(alert_id)

    def get_many_for_update(self, alert_ids: Collection[UUID]) -> dict[UUID, Alert]:
        return {
            alert_id: self._read(self._s.alerts[alert_id])
            for alert_id in sorted(set(alert_ids), key=str)
            if alert_id in self._s.alerts
        }

    def get_active_for_service(self, service_id: UUID) -> Alert | None:
        active = [
            a
            for a in self._s.alerts.values()
            if a.monitored_service_id == service_id and a.status.is_active
        ]
        oldest = min(active, key=lambda a: (a.created_at, str(a.id)), default=None)
        return self._read(oldest) if oldest is not None else None

    def get_active_for_service_for_update(self, service_id: UUID) -> Alert | None:
        return self.get_active_for_service(service_id)

    def list_active_for_service_for_update(self, service_id: UUID) -> list[Alert]:
        found = [
            self._read(a)
            for a in self._s.alerts.values()
            if a.monitored_service_id == service_id and a.status.is_active
        ]
        return sorted(found, key=lambda a: str(a.id))

    def held_keys(self, alert_id: UUID, keys: Collection[str]) -> set[str]:
        return set(keys) & set(self._keys(alert_id))

    def active_holders(self, service_id: UUID, keys: Collection[str]) -> dict[str, UUID]:
        wanted = set(keys)
        return {
            key: alert.id
            for alert in self._s.alerts.values()
            if alert.monitored_service_id == service_id and alert.status.is_active
            for key in self._keys(alert.id)
            if key in wanted
        }

    def _keys(self, alert_id: UUID) -> list[str]:
        return [key for _, key in self._s.dedup_keys.get(alert_id, [])]

    def list_keys(
        self, alert_id: UUID, limit: int, after: int | None = None
    ) -> list[tuple[int, str]]:
        held = self._s.dedup_keys.get(alert_id, [])
        return [(n, key) for n, key in held if after is None or n > after][:limit]

    def count(self, status: AlertStatus) -> int:
        return sum(1 for a in self._s.alerts.values() if a.status is status)

    def count_escalation_ended(self) -> int:
        return sum(
            1
            for a in self._s.alerts.values()
            if a.status is AlertStatus.OPEN and a.escalation_ended_at is not None
        )

    def list(
        self,
        limit: int,
        after: Cursor | None = None,
        status: AlertStatus | None = None,
        service_id: UUID | None = None,
        severity: Severity | None = None,
    ) -> list[Alert]:
        chosen = [
            self._read(a)
            for a in self._s.alerts.values()
            if (status is None or a.status is status)
            and (service_id is None or a.monitored_service_id == service_id)
            and (severity is None or a.severity is severity)
        ]
        return _page(chosen, lambda a: (a.created_at, a.id), limit, after, True)

    def delete_for_service(self, service_id: UUID) -> None:
        doomed = {a.id for a in self._s.alerts.values() if a.monitored_service_id == service_id}
        for alert_id in doomed:
            del self._s.alerts[alert_id]
            self._s.dedup_keys.pop(alert_id, None)
        self._s.notifications = {
            k: n for k, n in self._s.notifications.items() if n.alert_id not in doomed
        }
        self._s.timers = {k: t for k, t in self._s.timers.items() if t.alert_id not in doomed}
        self._s.timeline = [e for e in self._s.timeline if e.alert_id not in doomed]


class InMemoryTimerRepository:
    """Acknowledgement timers."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def arm(self, timer: AckTimer) -> None:
        self.cancel_for_alert(timer.alert_id)
        self._s.timers[timer.id] = timer

    def cancel_for_alert(self, alert_id: UUID) -> None:
        self.cancel_for_alerts([alert_id])

    def cancel_for_alerts(self, alert_ids: Collection[UUID]) -> None:
        cancelled = set(alert_ids)
        self._s.timers = {k: t for k, t in self._s.timers.items() if t.alert_id not in cancelled}

    def pending_for_alert(self, alert_id: UUID) -> AckTimer | None:
        return next((t for t in self._s.timers.values() if t.alert_id == alert_id), None)

    def claim_due(self, now: datetime, limit: int) -> list[AckTimer]:
        due = [t for t in self._s.timers.values() if t.due_at <= now]
        return sorted(due, key=lambda t: (t.due_at, str(t.id)))[:limit]

    def remove_fired(self, timer_ids: Collection[UUID]) -> set[UUID]:
        return {i for i in set(timer_ids) if self._s.timers.pop(i, None) is not None}

    def next_due_at(self) -> datetime | None:
        return min((t.due_at for t in self._s.timers.values()), default=None)

    def count(self) -> int:
        return len(self._s.timers)


class InMemoryNotificationRepository:
    """The outbox, with leases."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, notification: Notification) -> None:
        self._s.notifications[notification.id] = copy.deepcopy(notification)

    def add_many(
        self,
        notifications: Sequence[Notification],
        worker_id: str | None = None,
        lease_until: datetime | None = None,
    ) -> None:
        for notification in notifications:
            self.add(notification)
            if worker_id is not None and lease_until is not None:
                self._s.leases[notification.id] = Lease(worker_id, lease_until)

    def get(self, notification_id: UUID) -> Notification | None:
        return _copy(self._s.notifications.get(notification_id))

    def get_many(self, notification_ids: Collection[UUID]) -> dict[UUID, Notification]:
        found = self._s.notifications
        return {i: copy.deepcopy(found[i]) for i in set(notification_ids) if i in found}

    def update(self, notification: Notification, release: bool = False) -> None:
        self._s.notifications[notification.id] = copy.deepcopy(notification)
        if release:
            self.release(notification.id)

    def update_many(self, notifications: Sequence[Notification], release: bool = False) -> None:
        for notification in notifications:
            self.update(notification, release)

    def sent_messages_of(self, alert_ids: Collection[UUID]) -> list[Notification]:
        wanted = set(alert_ids)
        found = [
            n
            for n in self._s.notifications.values()
            if n.alert_id in wanted and n.message_ref is not None
        ]
        return [copy.deepcopy(n) for n in sorted(found, key=lambda n: (n.created_at, str(n.id)))]

    def list_for_alert(self, alert_id: UUID) -> list[Notification]:
        found = [n for n in self._s.notifications.values() if n.alert_id == alert_id]
        return [copy.deepcopy(n) for n in sorted(found, key=lambda n: (n.created_at, str(n.id)))]

    def list_for_level(self, alert_id: UUID, level: int, pass_number: int) -> list[Notification]:
        return [
            n
            for n in self.list_for_alert(alert_id)
            if n.level == level and n.pass_number == pass_number
        ]

    def cancel_pending_for_alert(self, alert_id: UUID) -> list[Notification]:
        cancelled = []
        for n in self._s.notifications.values():
            if n.alert_id == alert_id and n.is_pending and n.id not in self._s.leases:
                n.cancel()
                cancelled.append(copy.deepcopy(n))
        return cancelled

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[Notification]:
        leases = self._s.leases
        due = sorted(
            (
                n
                for n in self._s.notifications.values()
                if n.status is NotificationStatus.PENDING
                and n.next_attempt_at <= now
                and (n.id not in leases or leases[n.id].until <= now)
            ),
            key=lambda n: (n.next_attempt_at, n.created_at, str(n.id)),
        )[:limit]
        for n in due:
            leases[n.id] = Lease(worker_id, lease_until)
        return [copy.deepcopy(n) for n in due]

    def is_claimed_by(self, notification_id: UUID, worker_id: str) -> bool:
        lease = self._s.leases.get(notification_id)
        return lease is not None and lease.worker_id == worker_id

    def release(self, notification_id: UUID) -> None:
        self._s.leases.pop(notification_id, None)

    def next_attempt_at(self) -> datetime | None:
        return min(
            (n.next_attempt_at for n in self._s.notifications.values() if n.is_pending),
            default=None,
        )

    def count_pending(self) -> int:
        return sum(1 for n in self._s.notifications.values() if n.is_pending)


class InMemoryTimelineRepository:
    """Alert histories."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def append(self, entry: TimelineEntry) -> None:
        self._s.timeline.append(entry)

    def append_many(self, entries: Sequence[TimelineEntry]) -> None:
        self._s.timeline.extend(entries)

    def list_for_alert(self, alert_id: UUID) -> list[TimelineEntry]:
        found = [e for e in self._s.timeline if e.alert_id == alert_id]
        return sorted(found, key=lambda e: e.at)  # stable: insertion order for equal times
