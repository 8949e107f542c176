"""`/api/v1/services/{id}/maintenance-windows`: plan, list and delete maintenance windows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.maintenance import MAX_REASON_LENGTH, MaintenanceWindow, WindowPhase
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import UtcDateTime
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.service_layer import maintenance

ServiceId = Annotated[UUID, Path(alias="id", description="The service's id.")]
WindowId = Annotated[UUID, Path(alias="wid", description="The maintenance window's id.")]

_EXAMPLE_ID = "5c1f0a9e-2b7d-4c38-9e61-7a0b3d2f8c14"


class MaintenanceWindowIn(BaseModel):
    """A maintenance window to plan; `start` may be in the past (a window already running)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-27T22:00:00Z",
                    "end": "2026-11-28T02:00:00Z",
                    "reason": "database upgrade",
                }
            ]
        }
    )

    start: AwareDatetime = Field(
        description="RFC 3339 instant with an offset: alerts from here on page nobody.",
        examples=["2026-11-27T22:00:00Z"],
    )
    end: AwareDatetime = Field(
        description="RFC 3339 instant with an offset, after `start` and in the future, at "
        "most 366 days after `start`: an incident still open then starts paging.",
        examples=["2026-11-28T02:00:00Z"],
    )
    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON_LENGTH,
        description="Why, for the people who see the window (optional).",
        examples=["database upgrade"],
    )


class MaintenanceWindowOut(BaseModel):
    """A maintenance window and where it stands now."""

    id: UUID = Field(description="The window's id.", examples=[_EXAMPLE_ID])
    monitored_service_id: UUID = Field(description="Its service.", examples=[_EXAMPLE_ID])
    start: UtcDateTime = Field(description="When it starts.", examples=["2026-11-27T22:00:00Z"])
    end: UtcDateTime = Field(description="When it ends.", examples=["2026-11-28T02:00:00Z"])
    reason: str | None = Field(description="Why, if given.", examples=["database upgrade"])
    status: WindowPhase = Field(description="planned, current or past, now.")
    created_at: UtcDateTime = Field(
        description="When it was planned.", examples=["2026-11-27T09:00:00Z"]
    )

    @classmethod
    def of(cls, window: MaintenanceWindow, now: datetime) -> MaintenanceWindowOut:
        """The API view of a window at `now`."""
        return cls(
            id=window.id,
            monitored_service_id=window.monitored_service_id,
            start=window.start_at,
            end=window.end_at,
            reason=window.reason,
            status=window.phase(now),
            created_at=window.created_at,
        )


class MaintenanceWindowList(BaseModel):
    """A service's windows, latest end first (planned, then current, then past)."""

    items: list[MaintenanceWindowOut] = Field(description="The windows (at most 500).")
    next_cursor: str | None = Field(default=None, description="Always null: one page.")


def build_router(container: Container) -> APIRouter:
    """The maintenance window routes (under /api/v1, authenticated)."""
    router = APIRouter(prefix="/api/v1/services", tags=["maintenance"])
    clock = container.clock

    @router.post(
        "/{id}/maintenance-windows",
        status_code=201,
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def create_window(
        service_id: ServiceId, body: MaintenanceWindowIn, uow: UoW, actor: CurrentActor
    ) -> MaintenanceWindowOut:
        """Plan a window: alerts inside it are recorded and page nobody; an incident still
        open when it ends starts paging from level 0."""
        window = maintenance.create_window(
            uow,
            clock,
            service_id,
            body.start.astimezone(UTC),
            body.end.astimezone(UTC),
            body.reason,
            actor=actor,
        )
        return MaintenanceWindowOut.of(window, clock.now())

    @router.get(
        "/{id}/maintenance-windows",
        responses=responses(404),
        dependencies=[needs(Permission.READ)],
    )
    def list_windows(service_id: ServiceId, uow: UoW) -> MaintenanceWindowList:
        """The service's planned, current and past windows."""
        now = clock.now()
        found = maintenance.list_windows(uow, service_id)
        return MaintenanceWindowList(items=[MaintenanceWindowOut.of(w, now) for w in found])

    @router.delete(
        "/{id}/maintenance-windows/{wid}",
        status_code=204,
        responses=responses(403, 404),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def delete_window(
        service_id: ServiceId, window_id: WindowId, uow: UoW, actor: CurrentActor
    ) -> Response:
        """Delete a window; deleting the current one ends the maintenance now (a held
        incident starts paging)."""
        maintenance.delete_window(uow, clock, service_id, window_id, actor=actor)
        return Response(status_code=204)

    return router
