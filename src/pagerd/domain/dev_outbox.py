"""The dev outbox: where messages go when no real channel is configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pagerd.domain.channels import Channel


@dataclass(frozen=True)
class DevMessage:
    """A message pagerd would have sent: its full text, for people trying pagerd out."""

    id: UUID
    channel: Channel
    address: str
    subject: str
    body: str
    idempotency_key: UUID
    created_at: datetime
