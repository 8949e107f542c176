"""`POST /integrations/alertmanager`: Prometheus Alertmanager's webhook (payload version 4).

The service is the one whose integration key comes as `?integration_key=` or as a Bearer
token (Alertmanager's `http_config.authorization`). Each alert's `fingerprint` is its dedup
key: a `firing` alert opens or joins the service's incident, a `resolved` one removes its key
(the service turns healthy when no key is left). Firing alerts are applied before resolved
ones, so that a notification that both adds and removes keys never heals the service in
between and pages again. Alertmanager repeats notifications: a firing alert whose key the
incident already holds changes nothing.

One notification may carry at most MAX_ALERTS alerts (413 beyond; set Alertmanager's
`max_alerts` to it) and may not take its incident past MAX_DEDUP_KEYS keys (422, nothing
applied): together they bound the work one request can cause.
"""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.alert import MAX_DEDUP_KEYS
from pagerd.domain.errors import FieldError
from pagerd.domain.service import MonitoredService
from pagerd.entrypoints.http.auth import service_for_key, unauthorized
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import ApiError, responses
from pagerd.entrypoints.http.fields import sanitize
from pagerd.entrypoints.http.rate_limit import (
    RATE_LIMITED_RESPONSE,
    RateLimiter,
    client_address,
    enforce,
)
from pagerd.service_layer import alerts
from pagerd.service_layer.ports import UnitOfWork

SOURCE = "alertmanager"
MAX_MESSAGE = 10_000
MAX_ALERTS = 1000
"""The most alerts one notification may carry (Alertmanager's `max_alerts`)."""


class AmAlert(BaseModel):
    """One alert of the notification."""

    model_config = ConfigDict(populate_by_name=True)

    status: Literal["firing", "resolved"] = Field(
        description="firing opens or joins the incident; resolved removes its dedup key."
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="Its labels; `alertname` starts the message."
    )
    annotations: dict[str, str] = Field(
        default_factory=dict,
        description="Its annotations; `summary` (else `description`) ends the message.",
    )
    starts_at: str | None = Field(
        default=None, alias="startsAt", description="When it started firing (not used)."
    )
    ends_at: str | None = Field(
        default=None, alias="endsAt", description="When it stopped firing (not used)."
    )
    generator_url: str | None = Field(
        default=None, alias="generatorURL", description="The Prometheus graph of its rule."
    )
    fingerprint: str = Field(
        min_length=1, max_length=255, description="Its identity: pagerd's dedup key for it."
    )

    def message(self) -> str:
        """`alertname: summary` (or description), as pagerd shows and sends it."""
        name = self.labels.get("alertname", "")
        text = self.annotations.get("summary") or self.annotations.get("description") or ""
        joined = f"{name}: {text}" if name and text else name or text
        cleaned = sanitize(joined).strip() or f"Alertmanager alert {self.fingerprint}"
        return cleaned[:MAX_MESSAGE]


class AmNotification(BaseModel):
    """The webhook payload Alertmanager sends."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "version": "4",
                    "groupKey": '{}:{alertname="CheckoutDown"}',
                    "status": "firing",
                    "receiver": "pagerd-checkout",
                    "alerts": [
                        {
                            "status": "firing",
                            "labels": {"alertname": "CheckoutDown", "severity": "critical"},
                            "annotations": {"summary": "5xx rate above 20% for 5 minutes"},
                            "startsAt": "2026-11-27T10:00:00Z",
                            "fingerprint": "c0ffee1234567890",
                        }
                    ],
                }
            ]
        },
    )

    version: str = Field(default="4", description="The payload version; pagerd reads 4.")
    group_key: str | None = Field(
        default=None, alias="groupKey", description="Alertmanager's group (not used)."
    )
    truncated_alerts: int = Field(
        default=0, alias="truncatedAlerts", description="Alerts left out of the payload."
    )
    status: Literal["firing", "resolved"] = Field(
        description="The group's status; each alert's own status is what counts."
    )
    receiver: str | None = Field(default=None, description="The receiver's name (not used).")
    group_labels: dict[str, str] = Field(
        default_factory=dict, alias="groupLabels", description="The group's labels (not used)."
    )
    common_labels: dict[str, str] = Field(
        default_factory=dict, alias="commonLabels", description="Labels every alert has."
    )
    common_annotations: dict[str, str] = Field(
        default_factory=dict,
        alias="commonAnnotations",
        description="Annotations every alert has.",
    )
    external_url: str | None = Field(
        default=None, alias="externalURL", description="Alertmanager's own address."
    )
    alerts: list[AmAlert] = Field(
        description=f"The alerts, each applied; at most {MAX_ALERTS} (413 beyond)."
    )


class AmOutcome(BaseModel):
    """What became of one alert of the notification."""

    fingerprint: str = Field(description="The alert's fingerprint.")
    action: Literal["opened", "joined", "unchanged", "key_resolved", "not_held"] = Field(
        description="opened or joined an incident; unchanged: its incident already held it; "
        "key_resolved: its key was removed; not_held: resolved, but no incident held it."
    )


class AmResult(BaseModel):
    """200: every alert was applied."""

    status: Literal["success"] = Field(default="success", description="Always success.")
    alerts: list[AmOutcome] = Field(description="What became of each alert, in order.")


key_in_query = APIKeyQuery(
    name="integration_key",
    auto_error=False,
    scheme_name="IntegrationKeyQuery",
    description="The service's integration key.",
)
key_as_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="IntegrationKeyBearer",
    description="The service's integration key, as Alertmanager's `http_config.authorization`.",
)


def build_router(
    container: Container,
    limiter: RateLimiter | None = None,
    failures: RateLimiter | None = None,
) -> APIRouter:
    """The Alertmanager route, bound to `container`; `limiter` limits notifications per
    integration key, `failures` unknown keys per client address (none by default)."""
    router = APIRouter(tags=["integrations"])

    def keyed_service(
        request: Request,
        uow: UoW,
        in_query: Annotated[str | None, Depends(key_in_query)],
        as_bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(key_as_bearer)],
    ) -> MonitoredService:
        """The service whose integration key the request carries; 401 otherwise (checked
        before the body is validated, so that an unauthenticated caller learns nothing)."""
        key = in_query or (as_bearer.credentials if as_bearer else None)
        service = service_for_key(uow, key, container.clock.now())
        if service is None:
            if failures is not None:
                enforce(failures, client_address(request), "address after unknown keys")
            raise unauthorized("pass the service's integration key as ?integration_key= or Bearer")
        return service

    def limited_service(
        service: Annotated[MonitoredService, Depends(keyed_service)],
    ) -> MonitoredService:
        # A dependency, so that it runs before the body is even validated.
        if limiter is not None:
            enforce(limiter, f"service:{service.id}", "integration key")
        return service

    @router.post(
        "/integrations/alertmanager",
        responses={**responses(400, 401, 413, 422), **RATE_LIMITED_RESPONSE},
    )
    def alertmanager(
        body: AmNotification,
        uow: UoW,
        service: Annotated[MonitoredService, Depends(limited_service)],
    ) -> AmResult:
        """Receive an Alertmanager webhook notification (version 4).

        At most 1000 alerts a notification (413 beyond); a notification that would take
        the incident past 1000 dedup keys is refused whole (422), nothing applied."""
        _refuse_beyond_limits(uow, service.id, body.alerts)
        ordered = [a for a in body.alerts if a.status == "firing"]
        ordered += [a for a in body.alerts if a.status == "resolved"]
        return AmResult(alerts=[_apply(container, uow, service.id, a) for a in ordered])

    return router


def _apply(container: Container, uow: UnitOfWork, service_id: UUID, alert: AmAlert) -> AmOutcome:
    key = sanitize(alert.fingerprint) or "(empty fingerprint)"
    if alert.status == "resolved":
        held = alerts.resolve_dedup_key(uow, container.clock, service_id, key)
        return AmOutcome(fingerprint=key, action="key_resolved" if held else "not_held")
    if _incident_holds(uow, service_id, key):
        return AmOutcome(fingerprint=key, action="unchanged")
    received = alerts.receive_alert(uow, container.clock, service_id, alert.message(), key)
    container.observer.alert_received(
        SOURCE,
        received.deduplicated,
        received.alert.id,
        received.alert.monitored_service_id,
    )
    return AmOutcome(fingerprint=key, action="joined" if received.deduplicated else "opened")


def _refuse_beyond_limits(uow: UnitOfWork, service_id: UUID, received: list[AmAlert]) -> None:
    if len(received) > MAX_ALERTS:
        raise ApiError(
            413,
            "too_many_alerts",
            f"a notification carries at most {MAX_ALERTS} alerts; set Alertmanager's "
            f"max_alerts to {MAX_ALERTS}",
        )
    firing = {sanitize(a.fingerprint) for a in received if a.status == "firing"}
    with uow:
        active = uow.alerts.get_active_for_service(service_id)
    held = set(active.dedup_keys) if active is not None else set()
    if len(held | firing) > MAX_DEDUP_KEYS:
        message = f"the incident would hold over {MAX_DEDUP_KEYS} dedup keys; nothing was applied"
        raise ApiError(422, "too_many_dedup_keys", message, [FieldError("alerts", message)])


def _incident_holds(uow: UnitOfWork, service_id: UUID, key: str) -> bool:
    with uow:
        active = uow.alerts.get_active_for_service(service_id)
    return active is not None and key in active.dedup_keys
