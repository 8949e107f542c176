"""Ports of paging people: contact methods, notification rules, rule timers, test messages.

Part of the unit of work (`ports.UnitOfWork`); kept apart so that each module holds one
concept. Adapters: `adapters/memory/people.py`, `adapters/sqlalchemy/people_repositories.py`
(rows: `people_codec.py`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from pagerd.domain.channels import Channel
from pagerd.domain.people import ContactMethod, NotificationRule
from pagerd.domain.test_message import TestMessage
from pagerd.domain.timer import RuleTimer


class ContactMethodRepository(Protocol):
    """Users' contact methods; deleting one deletes the rules and pending timers naming it."""

    def add(self, method: ContactMethod) -> None: ...
    def get(self, method_id: UUID) -> ContactMethod | None: ...
    def list_for_users(self, user_ids: Collection[UUID]) -> dict[UUID, list[ContactMethod]]:
        """Each user's methods, oldest first; a user without any maps to an empty list."""
        ...

    def with_address(self, channel: Channel, address: str) -> list[ContactMethod]:
        """The methods on `channel` at `address` (whose Slack member clicked), oldest first."""
        ...

    def delete(self, method_id: UUID) -> None: ...


class NotificationRuleRepository(Protocol):
    """Users' notification rules, stored and replaced whole per user."""

    def list_for_users(self, user_ids: Collection[UUID]) -> dict[UUID, list[NotificationRule]]:
        """Each user's rules, by delay; a user without rules maps to an empty list."""
        ...

    def replace_for_user(self, user_id: UUID, rules: Sequence[NotificationRule]) -> None: ...


class RuleTimerRepository(Protocol):
    """Timers of users' later notification rules; one per (alert, level, pass, method)."""

    def add_many(self, timers: Sequence[RuleTimer]) -> None:
        """Insert each, in one statement (none: nothing is run)."""
        ...

    def cancel_for_alerts(self, alert_ids: Collection[UUID]) -> list[RuleTimer]:
        """Delete the pending timers of these alerts; return them."""
        ...

    def claim_due(self, now: datetime, limit: int) -> list[RuleTimer]:
        """Up to `limit` due timers, earliest first, locked with their alerts until commit
        (PostgreSQL: rows another transaction holds are skipped, never waited for)."""
        ...

    def remove_fired(self, timer_ids: Collection[UUID]) -> set[UUID]:
        """Delete fired timers; return the ids this statement deleted (only those fire)."""
        ...

    def count_for_level(self, alert_id: UUID, level: int, pass_number: int) -> int:
        """How many timers of this (alert, level, pass) are still pending."""
        ...

    def list_for_alert(self, alert_id: UUID) -> list[RuleTimer]:
        """Pending timers of an alert, earliest first."""
        ...

    def next_due_at(self) -> datetime | None: ...


class TestMessageRepository(Protocol):
    """Test messages to contact methods: a small outbox, claimed under a lease like pages."""

    def add(self, message: TestMessage) -> None: ...
    def get(self, message_id: UUID) -> TestMessage | None: ...
    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[TestMessage]:
        """Lease due pending messages (including ones whose lease expired) to `worker_id`."""
        ...

    def get_many(self, message_ids: Collection[UUID]) -> dict[UUID, TestMessage]: ...
    def update_many(self, messages: Sequence[TestMessage]) -> None:
        """Store each message's state and drop its lease."""
        ...

    def release(self, message_id: UUID, worker_id: str) -> None:
        """Drop the lease if `worker_id` still holds it (shutdown: sent by someone else)."""
        ...

    def next_attempt_at(self) -> datetime | None: ...
