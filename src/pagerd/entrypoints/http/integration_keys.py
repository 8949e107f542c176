"""`POST /api/v1/services/{id}/integration-key/rotate`: a fresh integration key, the old one
still accepted for an overlap period so that integrations can be updated without a gap."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import UtcDateTime
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.entrypoints.http.services import ServiceId, ServiceOut
from pagerd.service_layer import services

MAX_OVERLAP_SECONDS = int(services.MAX_KEY_OVERLAP.total_seconds())
DEFAULT_OVERLAP_SECONDS = int(services.DEFAULT_KEY_OVERLAP.total_seconds())


class RotateKeyIn(BaseModel):
    """How long the current key keeps working once replaced."""

    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=DEFAULT_OVERLAP_SECONDS,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description=(
            "Seconds the current key is still accepted after the rotation, 0 to 30 days "
            "(0: it stops at once). Default 86400 (24 hours)."
        ),
        examples=[3600],
    )


class RotatedKeyOut(BaseModel):
    """The service with its new integration key, and when the previous key stops working."""

    service: ServiceOut = Field(description="The service, `integration_key` now the new key.")
    previous_key_expires_at: UtcDateTime | None = Field(
        description=(
            "When the key(s) rotated out stop being accepted; null when none is accepted any "
            "more (an overlap of 0)."
        ),
        examples=["2026-11-28T10:00:00Z"],
    )


def build_router(container: Container) -> APIRouter:
    """The rotation route, bound to `container`."""
    router = APIRouter(prefix="/api/v1/services", tags=["services"])

    @router.post(
        "/{id}/integration-key/rotate",
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def rotate_integration_key(
        service_id: ServiceId,
        uow: UoW,
        actor: CurrentActor,
        body: Annotated[
            RotateKeyIn | None,
            Body(openapi_examples={"one hour": {"value": {"overlap_seconds": 3600}}}),
        ] = None,
    ) -> RotatedKeyOut:
        """Give the service a fresh integration key. The current key keeps working for
        `overlap_seconds` (default 24 hours), time to update every integration that uses
        it; then only the new key works. Rotating again during an overlap leaves the end of
        the older key's overlap unchanged."""
        overlap = timedelta(seconds=(body or RotateKeyIn()).overlap_seconds)
        rotated = services.rotate_integration_key(uow, container.clock, service_id, overlap, actor)
        return RotatedKeyOut(
            service=ServiceOut.of(rotated.service),
            previous_key_expires_at=rotated.previous_expires_at,
        )

    return router
