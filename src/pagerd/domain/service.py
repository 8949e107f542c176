"""Monitored services: what alerts are about, healthy or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pagerd.domain.severity import DEFAULT_PAGING_SEVERITY, Severity


class IncidentGrouping(StrEnum):
    """How alerts of a service become incidents.

    `service`: one incident per service (a second alert joins the one under way).
    `dedup_key`: one incident per dedup key; the service is unhealthy while any is open.
    """

    SERVICE = "service"
    DEDUP_KEY = "dedup_key"


class ServiceStatus(StrEnum):
    """Health as pagerd knows it: unhealthy from an alert until a healthy event."""

    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


@dataclass
class MonitoredService:
    """A thing that is watched. `integration_key` lets integrations send its events.

    An incident whose severity is below `paging_severity` pages nobody until an alert at or
    above it joins.
    """

    id: UUID
    name: str
    integration_key: str
    created_at: datetime
    status: ServiceStatus = ServiceStatus.HEALTHY
    incident_grouping: IncidentGrouping = IncidentGrouping.SERVICE
    paging_severity: Severity = DEFAULT_PAGING_SEVERITY

    @property
    def is_healthy(self) -> bool:
        """Whether the service has no incident under way."""
        return self.status is ServiceStatus.HEALTHY

    def mark_unhealthy(self) -> None:
        """An alert arrived."""
        self.status = ServiceStatus.UNHEALTHY

    def mark_healthy(self) -> None:
        """A healthy event arrived, or every dedup key of its incident was resolved."""
        self.status = ServiceStatus.HEALTHY
