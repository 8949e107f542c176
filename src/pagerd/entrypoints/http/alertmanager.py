"""`POST /integrations/alertmanager`: Prometheus Alertmanager's webhook (payload version 4).

The service is the one whose integration key comes as `?integration_key=` or as a Bearer
token (Alertmanager's `http_config.authorization`). Each alert's `fingerprint` is its dedup
key: a `firing` alert opens or joins the service's incident, a `resolved` one removes its key
(the service turns healthy when no key is left). Firing alerts are applied before resolved
ones, so that a notification that both adds and removes keys never heals the service in
between and pages again. Alertmanager repeats notifications: a firing alert whose key an
incident already holds changes nothing.

The whole notification is applied in one unit of work (`receive_alert_batch`), with
set-based reads and writes: 10,000 alerts take seconds, not one transaction each.

Context kept per alert: `severity` from the `severity` label when it names one of pagerd's
(else `critical`), `source` from the `instance` or `job` label, `details` = the labels and
annotations, `links` = `generatorURL` and the `runbook_url` annotation (http(s) only),
fitted into the bounds of `pagerd.domain.context`: an alert is never refused for them.

One notification may carry at most MAX_ALERTS alerts (413 beyond; set Alertmanager's
`max_alerts` to it), and may not take its incident past MAX_DEDUP_KEYS keys (422, nothing
applied, since the batch is one transaction): together they bound the work one request
can cause.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.context import AlertContext, Link, fit_context
from pagerd.domain.service import MonitoredService
from pagerd.domain.severity import DEFAULT_ALERT_SEVERITY, Severity
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
from pagerd.service_layer.alert_batches import receive_alert_batch
from pagerd.service_layer.alerts import IncomingAlert

SOURCE = "alertmanager"
MAX_MESSAGE = 10_000
MAX_ALERTS = 10_000
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

    def dedup_key(self) -> str:
        """The fingerprint, as a storable key."""
        return sanitize(self.fingerprint) or "(empty fingerprint)"

    def context(self) -> AlertContext:
        """Severity, source, details and links, as the docstring of this module says."""
        labels = {sanitize(k): sanitize(v) for k, v in self.labels.items()}
        annotations = {sanitize(k): sanitize(v) for k, v in self.annotations.items()}
        source = labels.get("instance") or labels.get("job")
        links = [
            Link(href, text)
            for href, text in (
                (self.generator_url, "Source"),
                (annotations.get("runbook_url"), "Runbook"),
            )
            if href and href.startswith(("http://", "https://"))
        ]
        return fit_context(
            AlertContext(
                severity=Severity.parse(labels.get("severity")) or DEFAULT_ALERT_SEVERITY,
                source=source,
                details={"labels": labels, "annotations": annotations},
                links=tuple(links),
            )
        )

    def incoming(self) -> IncomingAlert:
        """The alert as pagerd receives it."""
        return IncomingAlert(self.message(), self.dedup_key(), self.context())


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
        """Receive an Alertmanager webhook notification (version 4): every alert of it is
        applied in one transaction, firing ones first. At most MAX_ALERTS alerts (413
        beyond); a notification that would take the incident past MAX_DEDUP_KEYS keys is
        refused whole (422), nothing applied."""
        _refuse_beyond_limits(body.alerts)
        firing = _firing(body.alerts)
        resolved = [a.dedup_key() for a in body.alerts if a.status == "resolved"]
        result = receive_alert_batch(uow, container.clock, service.id, firing, resolved)
        for alert_id, deduplicated in result.received:
            container.observer.alert_received(SOURCE, deduplicated, alert_id, service.id)
        return AmResult(
            alerts=[AmOutcome(fingerprint=key, action=action) for key, action in result.actions]
        )

    return router


def _firing(received: list[AmAlert]) -> list[IncomingAlert]:
    """The firing alerts as pagerd receives them."""
    return [alert.incoming() for alert in received if alert.status == "firing"]


def _refuse_beyond_limits(received: list[AmAlert]) -> None:
    if len(received) > MAX_ALERTS:
        raise ApiError(
            413,
            "too_many_alerts",
            f"a notification carries at most {MAX_ALERTS} alerts; set Alertmanager's "
            f"max_alerts to {MAX_ALERTS}",
        )
