"""Heartbeat monitors: `/api/v1/services/{id}/heartbeats` to manage them, and the secret
ping URL (`GET` or `POST /ping/{token}`, no API token) that jobs call to check in."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.heartbeat import Heartbeat
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import UtcDateTime
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.entrypoints.http.rate_limit import RATE_LIMITED_RESPONSE, RateLimiter, enforce
from pagerd.service_layer import heartbeats
from pagerd.service_layer.tokens import hash_token

ServiceId = Annotated[UUID, Path(alias="id", description="The service's id.")]
HeartbeatId = Annotated[UUID, Path(alias="hid", description="The heartbeat's id.")]
PingToken = Annotated[
    str, Path(min_length=1, max_length=64, description="The secret part of the ping URL.")
]

_EXAMPLE_ID = "3f2b8c1e-9d4a-4e7b-8a51-2c6d0e9f1a7b"
_EXAMPLE_AT = "2026-11-27T02:00:00Z"


class HeartbeatIn(BaseModel):
    """A heartbeat monitor to create."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "nightly-backup", "interval_seconds": 86400, "grace_seconds": 1800}
            ]
        }
    )

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Unique within the service; the alert's dedup key is `heartbeat:<name>`.",
        examples=["nightly-backup"],
    )
    interval_seconds: int = Field(
        ge=60,
        le=366 * 86400,
        description="How often the job checks in, in seconds (>= 60).",
        examples=[86400],
    )
    grace_seconds: int = Field(
        default=0,
        ge=0,
        le=86400,
        description="How late a ping may be before it counts as missed (0..86400, default 0).",
        examples=[1800],
    )


class HeartbeatOut(BaseModel):
    """A heartbeat monitor, with its secret ping URL."""

    id: UUID = Field(description="The heartbeat's id.", examples=[_EXAMPLE_ID])
    monitored_service_id: UUID = Field(
        description="The service it belongs to.", examples=[_EXAMPLE_ID]
    )
    name: str = Field(description="Its name, unique within the service.", examples=["backup"])
    interval_seconds: int = Field(description="Expected time between pings.", examples=[86400])
    grace_seconds: int = Field(description="Allowed lateness of a ping.", examples=[1800])
    ping_url: str = Field(
        description="Secret URL the job calls (GET or POST, no token) to check in.",
        examples=["http://127.0.0.1:8080/ping/k3J9x0bqvV2f8sYw1mQ4TzLh5nR7cE6a"],
    )
    created_at: UtcDateTime = Field(description="When it was created.", examples=[_EXAMPLE_AT])
    last_ping_at: UtcDateTime | None = Field(
        description="The last ping received; null before the first.", examples=[_EXAMPLE_AT]
    )
    next_deadline_at: UtcDateTime | None = Field(
        description="When a missing ping opens an alert (interval and grace after the last "
        "ping); null while late (its alert is open until the next ping).",
        examples=["2026-11-28T02:30:00Z"],
    )
    late: bool = Field(description="Whether its deadline passed without a ping.")

    @classmethod
    def of(cls, heartbeat: Heartbeat, public_url: str) -> HeartbeatOut:
        """The API view of a heartbeat."""
        return cls(
            id=heartbeat.id,
            monitored_service_id=heartbeat.monitored_service_id,
            name=heartbeat.name,
            interval_seconds=int(heartbeat.interval.total_seconds()),
            grace_seconds=int(heartbeat.grace.total_seconds()),
            ping_url=ping_url(public_url, heartbeat),
            created_at=heartbeat.created_at,
            last_ping_at=heartbeat.last_ping_at,
            next_deadline_at=heartbeat.deadline_at,
            late=heartbeat.late,
        )


class HeartbeatList(BaseModel):
    """A service's heartbeats, oldest first (a service has few: one page)."""

    items: list[HeartbeatOut] = Field(description="The heartbeats.")
    next_cursor: str | None = Field(default=None, description="Always null: one page.")


class PingOut(BaseModel):
    """A ping recorded."""

    name: str = Field(description="The heartbeat's name.", examples=["nightly-backup"])
    next_deadline_at: UtcDateTime | None = Field(
        description="When the next ping is due at the latest.", examples=[_EXAMPLE_AT]
    )


def ping_url(public_url: str, heartbeat: Heartbeat) -> str:
    """The secret URL a job calls to check in."""
    return f"{public_url}/ping/{heartbeat.ping_token}"


def build_router(container: Container) -> APIRouter:
    """The heartbeat management routes (under /api/v1, authenticated)."""
    router = APIRouter(prefix="/api/v1/services", tags=["heartbeats"])
    clock = container.clock

    @router.post(
        "/{id}/heartbeats",
        status_code=201,
        responses=responses(403, 404, 409, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def create_heartbeat(
        service_id: ServiceId, body: HeartbeatIn, uow: UoW, actor: CurrentActor
    ) -> HeartbeatOut:
        """Watch a job that checks in every `interval_seconds`; the answer holds its secret
        ping URL. 409 when the service already has a heartbeat of that name."""
        heartbeat = heartbeats.create_heartbeat(
            uow,
            clock,
            service_id,
            body.name,
            timedelta(seconds=body.interval_seconds),
            timedelta(seconds=body.grace_seconds),
            actor=actor,
        )
        return HeartbeatOut.of(heartbeat, container.public_url)

    @router.get("/{id}/heartbeats", responses=responses(404), dependencies=[needs(Permission.READ)])
    def list_heartbeats(service_id: ServiceId, uow: UoW) -> HeartbeatList:
        """The service's heartbeats with their last ping and next deadline."""
        found = heartbeats.list_heartbeats(uow, service_id)
        return HeartbeatList(items=[HeartbeatOut.of(h, container.public_url) for h in found])

    @router.delete(
        "/{id}/heartbeats/{hid}",
        status_code=204,
        responses=responses(403, 404),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def delete_heartbeat(
        service_id: ServiceId, heartbeat_id: HeartbeatId, uow: UoW, actor: CurrentActor
    ) -> Response:
        """Stop watching (its ping URL stops working; an alert it opened stays)."""
        heartbeats.delete_heartbeat(uow, clock, service_id, heartbeat_id, actor=actor)
        return Response(status_code=204)

    return router


def build_ping_router(container: Container, limiter: RateLimiter) -> APIRouter:
    """The public ping route: the secret token is the key, rate-limited per token."""
    router = APIRouter(tags=["heartbeats"])
    answers = {**responses(404), **RATE_LIMITED_RESPONSE}

    def ping(token: str, uow: UoW) -> PingOut:
        enforce(limiter, hash_token(token), "ping URL")
        heartbeat = heartbeats.record_ping(uow, container.clock, token)
        return PingOut(name=heartbeat.name, next_deadline_at=heartbeat.deadline_at)

    @router.get("/ping/{token}", responses=answers)
    def ping_get(token: PingToken, uow: UoW) -> PingOut:
        """A job checks in (no API token: the URL is the secret). A late heartbeat's alert
        key is resolved."""
        return ping(token, uow)

    @router.post("/ping/{token}", responses=answers)
    def ping_post(token: PingToken, uow: UoW) -> PingOut:
        """The same as GET, for tools that POST (a body, if any, is ignored)."""
        return ping(token, uow)

    return router
