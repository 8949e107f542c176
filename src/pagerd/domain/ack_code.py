"""Short acknowledgement codes, for replies to SMS pages ("ACK 4821")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class AckCode:
    """`code` acknowledges `alert_id` when replied from `address` before `expires_at`."""

    code: str
    alert_id: UUID
    address: str
    created_at: datetime
    expires_at: datetime
