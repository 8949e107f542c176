"""Read models of the alert pages: the filtered list (open first) and one alert's detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.notification import Notification
from pagerd.domain.service import MonitoredService
from pagerd.domain.severity import Severity
from pagerd.entrypoints.console.timeline import TimelineLine, describe_timeline
from pagerd.entrypoints.console.views import (
    PAGE_SIZE,
    encode_cursor,
    open_alert_count,
    service_names,
)
from pagerd.service_layer.ports import Cursor, UnitOfWork

ACTIVE_LIMIT = 200  # active alerts shown at once; more would be a different emergency
RECENT_RESOLVED = 10

GROUP_HEADINGS = {
    AlertStatus.OPEN: "Open",
    AlertStatus.ACKNOWLEDGED: "Acknowledged",
    AlertStatus.RESOLVED: "Resolved",
}


@dataclass(frozen=True)
class AlertRow:
    """An alert with its service's name."""

    alert: Alert
    service_name: str


@dataclass(frozen=True)
class AlertGroup:
    """Alerts of one status; `more_href` links to the rest when not all are shown."""

    status: str
    heading: str
    rows: list[AlertRow]
    more_href: str | None = None


@dataclass
class AlertListing:
    """What the alerts page shows for one set of filters."""

    groups: list[AlertGroup] = field(default_factory=list)
    older_cursor: str | None = None
    open_count: int = 0


def alert_listing(
    uow: UnitOfWork,
    status: AlertStatus | None,
    service_id: UUID | None,
    after: Cursor | None,
    severity: Severity | None = None,
) -> AlertListing:
    """Open first, then acknowledged, then the latest resolved; or one status, paginated;
    of one service and one severity when given."""
    names = service_names(uow)
    listing = AlertListing(open_count=open_alert_count(uow))

    def rows(alerts: list[Alert]) -> list[AlertRow]:
        return [AlertRow(a, names.get(a.monitored_service_id, "deleted service")) for a in alerts]

    if status is not None:
        found = uow.alerts.list(
            PAGE_SIZE + 1, after, status=status, service_id=service_id, severity=severity
        )
        shown = found[:PAGE_SIZE]
        if len(found) > PAGE_SIZE:
            listing.older_cursor = encode_cursor(shown[-1].created_at, shown[-1].id)
        listing.groups.append(AlertGroup(status.value, GROUP_HEADINGS[status], rows(shown)))
        return listing
    for active in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
        found = uow.alerts.list(
            ACTIVE_LIMIT, status=active, service_id=service_id, severity=severity
        )
        listing.groups.append(AlertGroup(active.value, GROUP_HEADINGS[active], rows(found)))
    resolved = uow.alerts.list(
        RECENT_RESOLVED + 1, status=AlertStatus.RESOLVED, service_id=service_id, severity=severity
    )
    more = (
        "/alerts?status=resolved"
        + (f"&service={service_id}" if service_id else "")
        + (f"&severity={severity.value}" if severity else "")
    )
    listing.groups.append(
        AlertGroup(
            "resolved",
            "Recently resolved",
            rows(resolved[:RECENT_RESOLVED]),
            more if len(resolved) > RECENT_RESOLVED else None,
        )
    )
    return listing


@dataclass(frozen=True)
class AlertDetail:
    """One alert with its service, its timeline in words and its pages."""

    alert: Alert
    service: MonitoredService | None
    timeline: list[TimelineLine]
    notifications: list[Notification]
    open_count: int


def alert_detail(uow: UnitOfWork, alert_id: UUID) -> AlertDetail | None:
    """The alert's detail, or None when it does not exist."""
    alert = uow.alerts.get(alert_id)
    if alert is None:
        return None
    return AlertDetail(
        alert=alert,
        service=uow.services.get(alert.monitored_service_id),
        timeline=describe_timeline(alert, uow.timeline.list_for_alert(alert_id)),
        notifications=uow.outbox.list_for_alert(alert_id),
        open_count=open_alert_count(uow),
    )
