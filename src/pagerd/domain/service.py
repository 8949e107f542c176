"""Monitored services: what alerts are about, healthy or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class ServiceStatus(StrEnum):
    """Health as pagerd knows it: unhealthy from an alert until a healthy event."""

    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


@dataclass
class MonitoredService:
    """A thing that is watched. `integration_key` lets integrations send its events."""

    id: UUID
    name: str
    integration_key: str
    created_at: datetime
    status: ServiceStatus = ServiceStatus.HEALTHY

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
