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
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.context import AlertContext, Link, fit_context
from pagerd.domain.service import MonitoredService
from pagerd.domain.severity import DEFAULT_ALERT_SEVERITY, Severity
from pagerd.entrypoints.http.auth import service_for_key, unauthorized
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import sanitize
from pagerd.entrypoints.http.rate_limit import RATE_LIMITED_RESPONSE, RateLimiter, enforce
from pagerd.service_layer.alert_batches import receive_alert_batch
from pagerd.service_layer.alerts import IncomingAlert

SOURCE = "alertmanager"
MAX_MESSAGE = 10_000


class AmAlert(BaseModel):
    """One alert of the notification."""

    model_config = ConfigDict(populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: str | None = Field(default=None, alias="startsAt")
    ends_at: str | None = Field(default=None, alias="endsAt")
    generator_url: str | None = Field(default=None, alias="generatorURL")
    fingerprint: str = Field(min_length=1, max_length=255)

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

    model_config = ConfigDict(populate_by_name=True)

    version: str = "4"
    group_key: str | None = Field(default=None, alias="groupKey")
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts")
    status: Literal["firing", "resolved"]
    receiver: str | None = None
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str | None = Field(default=None, alias="externalURL")
    alerts: list[AmAlert] = Field(max_length=10_000)


class AmOutcome(BaseModel):
    """What became of one alert of the notification."""

    fingerprint: str
    action: Literal["opened", "joined", "unchanged", "key_resolved", "not_held"]


class AmResult(BaseModel):
    """200: every alert was applied."""

    status: Literal["success"] = "success"
    alerts: list[AmOutcome]


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


def keyed_service(
    uow: UoW,
    in_query: Annotated[str | None, Depends(key_in_query)],
    as_bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(key_as_bearer)],
) -> MonitoredService:
    """The service whose integration key the request carries; 401 otherwise (checked before
    the body is validated, so that an unauthenticated caller learns nothing)."""
    key = in_query or (as_bearer.credentials if as_bearer else None)
    service = service_for_key(uow, key)
    if service is None:
        raise unauthorized("pass the service's integration key as ?integration_key= or Bearer")
    return service


def build_router(container: Container, limiter: RateLimiter | None = None) -> APIRouter:
    """The Alertmanager route, bound to `container`; `limiter` limits notifications per
    integration key (none by default)."""
    router = APIRouter(tags=["integrations"])

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
        applied in one transaction, firing ones first."""
        firing = _firing(body.alerts)
        resolved = [a.dedup_key() for a in body.alerts if a.status == "resolved"]
        result = receive_alert_batch(uow, container.clock, service.id, firing, resolved)
        for _ in range(result.count("opened")):
            container.observer.alert_received(SOURCE, deduplicated=False)
        for _ in range(result.count("joined")):
            container.observer.alert_received(SOURCE, deduplicated=True)
        return AmResult(
            alerts=[AmOutcome(fingerprint=key, action=action) for key, action in result.actions]
        )

    return router


def _firing(received: list[AmAlert]) -> list[IncomingAlert]:
    """The firing alerts as pagerd receives them."""
    return [alert.incoming() for alert in received if alert.status == "firing"]
