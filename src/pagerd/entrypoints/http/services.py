"""`/api/v1/services`: create, list, read, delete monitored services; declare one healthy."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.roles import Permission
from pagerd.domain.service import MonitoredService, ServiceStatus
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import ServiceName, UtcDateTime
from pagerd.entrypoints.http.pagination import DEFAULT_LIMIT, CursorParam, Limit, Page, keyset_list
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.service_layer import services
from pagerd.service_layer.errors import NotFound

ServiceId = Annotated[UUID, Path(alias="id", description="The service's id.")]


class ServiceIn(BaseModel):
    """A service to create."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "checkout"}]})

    name: ServiceName = Field(description="Unique, 1 to 200 characters.")


class HealthyIn(BaseModel):
    """The body of a healthy event: empty for now (`{}`)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{}]})


class ServiceOut(BaseModel):
    """A monitored service."""

    id: UUID = Field(description="The service's id.")
    name: str = Field(description="Its unique name.")
    status: ServiceStatus = Field(
        description="unhealthy from its first alert until a healthy event (or its source "
        "resolving every dedup key)."
    )
    integration_key: str = Field(
        description="The secret integrations use to send this service's events."
    )
    created_at: UtcDateTime = Field(description="When it was created (RFC 3339, UTC).")

    @classmethod
    def of(cls, service: MonitoredService) -> "ServiceOut":
        """The API view of a service."""
        return cls(
            id=service.id,
            name=service.name,
            status=service.status,
            integration_key=service.integration_key,
            created_at=service.created_at,
        )


def build_router(container: Container) -> APIRouter:
    """The services routes, bound to `container`."""
    router = APIRouter(prefix="/api/v1/services", tags=["services"])
    clock = container.clock

    @router.post(
        "",
        status_code=201,
        responses=responses(403, 409, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def create_service(body: ServiceIn, uow: UoW, actor: CurrentActor) -> ServiceOut:
        """Create a healthy service with a fresh integration key; 409 if the name is taken."""
        service = services.create_service(uow, clock, body.name, actor=actor)
        container.observer.configuration_changed("create", "service", str(service.id), "api")
        return ServiceOut.of(service)

    @router.get("", dependencies=[needs(Permission.READ)])
    def list_services(
        uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[ServiceOut]:
        """Every service, oldest first."""
        with uow:
            return keyset_list(uow.services.list, ServiceOut.of, limit, cursor)

    @router.get("/{id}", responses=responses(404), dependencies=[needs(Permission.READ)])
    def get_service(service_id: ServiceId, uow: UoW) -> ServiceOut:
        """One service."""
        with uow:
            service = uow.services.get(service_id)
        if service is None:
            raise NotFound("service", service_id)
        return ServiceOut.of(service)

    @router.delete(
        "/{id}",
        status_code=204,
        responses=responses(403, 404, 409),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def delete_service(service_id: ServiceId, uow: UoW, actor: CurrentActor) -> Response:
        """Delete a service, its policy and past alerts; 409 while an alert is open or
        acknowledged."""
        services.delete_service(uow, service_id, clock=clock, actor=actor)
        container.observer.configuration_changed("delete", "service", str(service_id), "api")
        return Response(status_code=204)

    @router.post(
        "/{id}/healthy",
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.RESPOND)],
    )
    def mark_healthy(
        service_id: ServiceId,
        uow: UoW,
        actor: CurrentActor,
        body: Annotated[HealthyIn | None, Body()] = None,
    ) -> ServiceOut:
        """Declare the service healthy: its open or acknowledged alert is resolved and
        escalation stops. Idempotent."""
        return ServiceOut.of(services.mark_healthy(uow, clock, service_id, actor=actor))

    return router
