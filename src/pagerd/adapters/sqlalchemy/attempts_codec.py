"""The attempt columns every outbox table shares (notifications, test messages, message
updates): one mapping to and from the domain's `DeliveryAttempts`, so a column added to the
attempt state is added once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

from pagerd.domain.notification import DeliveryAttempts, NotificationStatus


def attempts_state(row: DeliveryAttempts) -> dict[str, Any]:
    """The columns a delivery attempt changes (never the lease: that is the claim's)."""
    return {
        "status": row.status.value,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "sent_at": row.sent_at,
        "next_attempt_at": row.next_attempt_at,
    }


def attempts_from_row(row: RowMapping) -> dict[str, Any]:
    """Those columns as keyword arguments of the domain object's constructor."""
    return {
        "next_attempt_at": row["next_attempt_at"],
        "status": NotificationStatus(row["status"]),
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "sent_at": row["sent_at"],
    }
