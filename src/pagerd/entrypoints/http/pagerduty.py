"""`POST /v2/enqueue`: the PagerDuty Events API v2, so that tools that page PagerDuty can page
pagerd by changing one URL.

`routing_key` is a service's integration key and acts on that service only. `trigger` opens
or joins an incident (`payload.summary` is the message; `payload.severity`,
`payload.source`, `payload.custom_details` and `links` are kept, fitted into the bounds of
`pagerd.domain.context`); `acknowledge` acknowledges
the incident holding `dedup_key`; `resolve` removes `dedup_key` from it, and the service turns
healthy when no key is left. Acknowledge and resolve for a key no incident holds are accepted
and change nothing, as PagerDuty drops them. Answers follow PagerDuty's: 202
`{"status": "success", "message": "Event processed", "dedup_key"}` or 400
`{"status": "invalid event", "message", "errors"}`.
"""

import json
from typing import Annotated, Any, Literal
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pagerd.bootstrap import Container
from pagerd.domain.context import AlertContext, Link, fit_context
from pagerd.domain.errors import TooManyDedupKeys
from pagerd.domain.service import MonitoredService
from pagerd.domain.severity import Severity
from pagerd.entrypoints.http.auth import service_for_key
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import field_path, responses
from pagerd.entrypoints.http.fields import sanitize
from pagerd.entrypoints.http.rate_limit import RateLimiter, client_address
from pagerd.service_layer import alerts
from pagerd.service_layer.ports import UnitOfWork

SOURCE = "pagerduty"


class PdImage(BaseModel):
    """An image attached to the alert."""

    src: str = Field(description="The image's URL.")
    href: str | None = Field(default=None, description="Where clicking the image leads.")
    alt: str | None = Field(default=None, description="The image's alternative text.")


class PdLink(BaseModel):
    """A link attached to the alert."""

    href: str = Field(description="The link's URL.")
    text: str | None = Field(default=None, description="The link's text.")


class PdPayload(BaseModel):
    """What the event is about (required for `trigger`)."""

    summary: str = Field(
        min_length=1, max_length=1024, description="What is wrong: the alert's message."
    )
    source: str = Field(min_length=1, description="The affected system, such as a host name.")
    severity: Literal["critical", "error", "warning", "info"] = Field(description="How bad it is.")
    timestamp: str | None = Field(default=None, description="When it was detected (ISO 8601).")
    component: str | None = Field(default=None, description="The part of the source affected.")
    group: str | None = Field(default=None, description="A logical grouping of sources.")
    class_: str | None = Field(default=None, alias="class", description="The kind of event.")
    custom_details: Any = Field(default=None, description="Anything else, free-form.")


class PdEvent(BaseModel):
    """A PagerDuty Events API v2 event."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "routing_key": "0123456789abcdef0123456789abcdef",
                    "event_action": "trigger",
                    "dedup_key": "checkout-5xx",
                    "payload": {
                        "summary": "checkout is down: 5xx rate above 20%",
                        "source": "web-1.example.com",
                        "severity": "critical",
                    },
                }
            ]
        }
    )

    routing_key: str = Field(
        min_length=1, max_length=512, description="The service's integration key."
    )
    event_action: Literal["trigger", "acknowledge", "resolve"] = Field(
        description="trigger opens or joins the incident; acknowledge acknowledges the one "
        "holding dedup_key; resolve removes dedup_key (healthy when none is left)."
    )
    dedup_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Identifies the alert at its source; generated for a trigger without one.",
    )
    payload: PdPayload | None = Field(
        default=None, description="What the event is about; required for trigger."
    )
    images: list[PdImage] | None = Field(default=None, description="Images (not shown yet).")
    links: list[PdLink] | None = Field(default=None, description="Links (not shown yet).")
    client: str | None = Field(default=None, description="The sending tool's name.")
    client_url: str | None = Field(default=None, description="The sending tool's URL.")


class PdAccepted(BaseModel):
    """202: the event was processed."""

    status: Literal["success"] = Field(default="success", description="Always success.")
    message: str = Field(default="Event processed", description="Always Event processed.")
    dedup_key: str = Field(description="The event's dedup key, generated if it had none.")


class PdInvalid(BaseModel):
    """400: the event was refused; `errors` says why."""

    status: Literal["invalid event"] = Field(
        default="invalid event", description="Always invalid event."
    )
    message: str = Field(description="Why the event was refused, in a sentence.")
    errors: list[str] = Field(description="Every problem found, one sentence each.")


class PdThrottled(BaseModel):
    """429: too many events for this routing key; retry after `Retry-After` seconds."""

    status: Literal["throttle exceeded"] = Field(
        default="throttle exceeded", description="Always throttle exceeded."
    )
    message: str = Field(description="What happened, in a sentence.")
    errors: list[str] = Field(description="What to do about it.")


UNKNOWN_KEY = ["routing_key: no service has this integration key"]


def throttled(retry_after: int) -> JSONResponse:
    """PagerDuty's style of 429 answer, with `Retry-After`: the event was not processed."""
    body = PdThrottled(
        message="Requests for this service are arriving too quickly. Please retry later.",
        errors=[f"routing_key: rate limit reached; retry after {retry_after} s"],
    )
    return JSONResponse(
        body.model_dump(), status_code=429, headers={"Retry-After": str(retry_after)}
    )


def invalid(
    errors: list[str], message: str = "Event object is invalid", status: int = 400
) -> JSONResponse:
    """PagerDuty's answer to a refused event (400 unless said)."""
    body = PdInvalid(message=message, errors=errors).model_dump()
    return JSONResponse(body, status_code=status)


def parse_event(raw: bytes) -> PdEvent | JSONResponse:
    """The event in `raw`, or the 400 answer saying why it is not one."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return invalid(["Request body is not valid JSON"], "Event object is invalid")
    try:
        event = PdEvent.model_validate(_cleaned(data))
    except ValidationError as exc:
        return invalid([f"{field_path(e['loc'])}: {e['msg']}" for e in exc.errors()])
    problems = _action_problems(event)
    return invalid(problems) if problems else event


def _cleaned(data: Any) -> Any:
    """`data` (fresh from `json.loads`, changed in place) with text no database can store
    removed from every string: an alert is cleaned rather than refused. Iterative, as JSON
    nests deeper than Python recurses."""
    root = [data]
    pending: list[tuple[Any, Any]] = [(root, 0)]
    while pending:
        parent, key = pending.pop()
        value = parent[key]
        if isinstance(value, str):
            parent[key] = sanitize(value)
        elif isinstance(value, list):
            pending.extend((value, index) for index in range(len(value)))
        elif isinstance(value, dict):
            cleaned = {sanitize(k): v for k, v in value.items()}
            parent[key] = cleaned
            pending.extend((cleaned, k) for k in cleaned)
    return root[0]


def event_context(event: PdEvent) -> AlertContext:
    """What a trigger says beyond its summary, as pagerd keeps it (fitted into the bounds:
    the alert is never refused for its context)."""
    assert event.payload is not None
    details = event.payload.custom_details
    return fit_context(
        AlertContext(
            severity=Severity(event.payload.severity),
            source=event.payload.source,
            details=details
            if isinstance(details, dict)
            else ({} if details is None else {"custom_details": details}),
            links=tuple(Link(link.href, link.text or "") for link in event.links or ()),
        )
    )


def _action_problems(event: PdEvent) -> list[str]:
    if event.event_action == "trigger":
        return [] if event.payload is not None else ["payload: Field required for trigger"]
    if event.dedup_key is None:
        return [f"dedup_key: Field required for {event.event_action}"]
    return []


async def raw_body(request: Request) -> bytes:
    """The request body as sent (the body-limit middleware has bounded it)."""
    return await request.body()


_OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PdEvent"}}},
    }
}


def build_router(
    container: Container,
    limiter: RateLimiter | None = None,
    failures: RateLimiter | None = None,
) -> APIRouter:
    """The PagerDuty-compatible route, bound to `container`; `limiter` limits events per
    routing key (none by default)."""
    router = APIRouter(tags=["integrations"])

    @router.post(
        "/v2/enqueue",
        status_code=202,
        response_model=PdAccepted,
        responses={
            400: {"model": PdInvalid, "description": "Invalid event"},
            422: {
                "model": PdInvalid,
                "description": "The incident holds 20000 dedup keys already (the most it may)",
            },
            429: {"model": PdThrottled, "description": "Too many events for this routing key"},
            **responses(413),
        },
        openapi_extra=_OPENAPI_BODY,
    )
    def enqueue(
        request: Request, body: Annotated[bytes, Depends(raw_body)], uow: UoW
    ) -> JSONResponse:
        """Send a PagerDuty Events API v2 event (`trigger`, `acknowledge`, `resolve`)."""
        # Parsed here rather than by FastAPI: refusals must have PagerDuty's 400 shape.
        parsed = parse_event(body)
        if isinstance(parsed, JSONResponse):
            return parsed
        service = service_for_key(uow, parsed.routing_key, container.clock.now())
        if service is None:
            wait = failures.acquire(client_address(request)) if failures is not None else None
            return throttled(wait) if wait is not None else invalid(UNKNOWN_KEY)
        return _process(container, uow, parsed, service, limiter)

    return router


def _process(
    container: Container,
    uow: UnitOfWork,
    event: PdEvent,
    service: MonitoredService,
    limiter: RateLimiter | None,
) -> JSONResponse:
    wait = limiter.acquire(f"service:{service.id}") if limiter is not None else None
    if wait is not None:
        return throttled(wait)
    key = event.dedup_key or uuid4().hex
    if event.event_action == "trigger":
        assert event.payload is not None
        message = event.payload.summary.strip() or "(no summary)"
        try:
            received = alerts.receive_alert(
                uow, container.clock, service.id, message, key, event_context(event)
            )
        except TooManyDedupKeys as exc:
            return invalid([f"dedup_key: {exc}"], "Event refused: too many dedup keys", 422)
        container.observer.alert_received(
            SOURCE,
            received.deduplicated,
            received.alert.id,
            received.alert.monitored_service_id,
        )
    elif event.event_action == "acknowledge":
        alerts.acknowledge_by_dedup_key(uow, container.clock, service.id, key, by=SOURCE)
    else:
        alerts.resolve_dedup_key(uow, container.clock, service.id, key)
    return JSONResponse(PdAccepted(dedup_key=key).model_dump(), status_code=202)
