"""Read models of the console: what the pages show, read inside the request's unit of work.

Reads go straight to the repositories (as a query side); every change goes through a use
case of `pagerd.service_layer`. Each function expects an entered unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.policy import EscalationPolicy
from pagerd.domain.service import MonitoredService
from pagerd.service_layer.ports import Cursor, UnitOfWork

PAGE_SIZE = 50
COUNT_CAP = 500  # beyond this the badge says "500+": counting is not free


@dataclass(frozen=True)
class ServiceRow:
    """A service with what its row shows: its policy (or lack of one) and its incident."""

    service: MonitoredService
    policy: EscalationPolicy | None
    active_alert: Alert | None

    @property
    def target_count(self) -> int:
        """How many targets the policy pages in all."""
        return sum(len(level.targets) for level in self.policy.levels) if self.policy else 0


def all_services(uow: UnitOfWork) -> list[MonitoredService]:
    """Every service, oldest first."""
    found: list[MonitoredService] = []
    after: Cursor | None = None
    while True:
        page = uow.services.list(500, after)
        found.extend(page)
        if len(page) < 500:
            return found
        after = (page[-1].created_at, page[-1].id)


def service_rows(uow: UnitOfWork) -> list[ServiceRow]:
    """Every service, unhealthy first, then by name."""
    rows = [
        ServiceRow(
            service,
            uow.policies.get_for_service(service.id),
            uow.alerts.get_active_for_service(service.id) if not service.is_healthy else None,
        )
        for service in all_services(uow)
    ]
    rows.sort(key=lambda r: (r.service.is_healthy, r.service.name.lower()))
    return rows


def open_alert_count(uow: UnitOfWork) -> int:
    """Open (unacknowledged) alerts, up to COUNT_CAP."""
    return len(uow.alerts.list(COUNT_CAP, status=AlertStatus.OPEN))


def service_names(uow: UnitOfWork) -> dict[UUID, str]:
    """Service names by id, for lists of alerts."""
    return {s.id: s.name for s in all_services(uow)}


def parse_uuid(text: str) -> UUID | None:
    """An id from a URL, or None when it is not one."""
    try:
        return UUID(text)
    except ValueError:
        return None


def encode_cursor(created_at: datetime, item_id: UUID) -> str:
    """An opaque position in a list, for "older" links."""
    return f"{created_at.astimezone(UTC).isoformat()}_{item_id}"


def decode_cursor(text: str) -> Cursor | None:
    """The position in an "older" link; None when the text is not exactly one this console
    wrote (an instant out of range, another offset or spelling, or not a position at all)."""
    at, _, item = text.rpartition("_")
    try:
        moment = datetime.fromisoformat(at)
        # In UTC, as links carry it; out of range (year 1 at +01:00) is an OverflowError.
        position = (moment.astimezone(UTC), UUID(item))
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None or encode_cursor(*position) != text:
        return None
    return position
