"""What a sender is given and what it answers: the port between the outbox and a channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from pagerd.domain.channels import Channel
from pagerd.domain.context import Link
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.severity import Severity


@dataclass(frozen=True)
class PageItem:
    """One notification carried by a message: which alert, which level (0-based, as the
    API's `level_id`; messages count from 1 for people), what is down and its context."""

    notification_id: UUID
    alert_id: UUID
    monitored_service_id: UUID
    service_name: str
    message: str
    level: int
    pass_number: int
    target_id: UUID
    alert_created_at: datetime
    severity: Severity = Severity.CRITICAL
    source: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    is_test: bool = False
    """A test message to a contact method: no alert, nothing to acknowledge."""
    ack_url: str = ""
    """The signed acknowledge link, made when the page was claimed ("": none)."""
    console_url: str = ""
    """The alert's page in the console ("": none)."""
    reply_code: str | None = None
    """The code a reply acknowledges with, issued and stored when the page was claimed on a
    channel whose kind asks for one (SMS); None otherwise."""
    edit_of: str | None = None
    """An edit, not a page: the provider's reference of the message to edit (Slack:
    `channel/ts`), which `status_line` now ends ("Acknowledged by alice at 03:12 UTC")."""
    status_line: str = ""


@dataclass(frozen=True)
class OutgoingPage:
    """One message to one address, carrying every notification waiting for it.

    `idempotency_key` is the id of the first notification: stable across retries of the same
    group, so providers and receivers can recognise a re-send.
    """

    channel: Channel
    address: str
    items: tuple[PageItem, ...]

    @property
    def idempotency_key(self) -> UUID:
        """Message-ID, webhook delivery id: the same on every attempt."""
        return self.items[0].notification_id


class DeliveryOutcome(StrEnum):
    """How an attempt went, as the channel classifies it."""

    DELIVERED = "delivered"
    TRANSIENT_FAILURE = "transient_failure"
    PERMANENT_FAILURE = "permanent_failure"


@dataclass(frozen=True)
class DeliveryResult:
    """A channel's answer. `error` says what went wrong, for a person. `dev_message` is
    the message the dev outbox kept instead of sending, stored with the outcome."""

    outcome: DeliveryOutcome
    error: str | None = None
    dev_message: DevMessage | None = None
    message_ref: str | None = None
    """The provider's reference to the message sent (Slack: `channel/ts`), stored on the
    page's notifications with `sent`."""
    retry_after: timedelta | None = None
    """How long the provider asked to wait (HTTP 429 Retry-After)."""

    @classmethod
    def delivered(
        cls, dev_message: DevMessage | None = None, message_ref: str | None = None
    ) -> DeliveryResult:
        """The provider accepted the message (or the dev outbox kept it)."""
        return cls(DeliveryOutcome.DELIVERED, dev_message=dev_message, message_ref=message_ref)

    @classmethod
    def transient(cls, error: str, retry_after: timedelta | None = None) -> DeliveryResult:
        """Worth retrying: timeouts, refused connections, 5xx, 429 (with its Retry-After)."""
        return cls(DeliveryOutcome.TRANSIENT_FAILURE, error, retry_after=retry_after)

    @classmethod
    def permanent(cls, error: str) -> DeliveryResult:
        """Retrying cannot help: a refused recipient, a 4xx other than 429."""
        return cls(DeliveryOutcome.PERMANENT_FAILURE, error)


class Sender(Protocol):
    """Delivers pages through one channel. Must not raise: failures are results."""

    def send(self, page: OutgoingPage) -> DeliveryResult: ...


@dataclass(frozen=True)
class HandedPage:
    """A page the transaction that created it leased to this process's dispatcher, handed to
    it in memory once that transaction committed: what a claim would have read, without
    the claim. `lease_until` is the lease stored on its row."""

    channel: Channel
    address: str
    item: PageItem
    lease_until: datetime


class HandoffReceiver(Protocol):
    """A dispatcher of this process that takes freshly committed pages in memory.

    `take` is called on the committing thread, after the commit is durable: it must be quick
    and never raise. The pages are leased to `worker_id` in the database; a receiver that
    cannot send them gives them back (releases them) or lets the lease run out.
    """

    @property
    def worker_id(self) -> str: ...
    @property
    def lease(self) -> timedelta: ...
    def accepting(self) -> bool:
        """Whether it takes more pages now (running, not overloaded)."""
        ...

    def take(self, pages: Sequence[HandedPage]) -> None: ...


class PageHandoff(Protocol):
    """Where a unit of work finds the dispatcher of its own process, if one registered."""

    def receiver(self) -> HandoffReceiver | None:
        """The registered dispatcher when it takes pages now; None: pages wait for a claim."""
        ...
