"""`/api/v1/services`: create, list, read, change, delete monitored services; declare one
healthy."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.roles import Permission
from pagerd.domain.service import IncidentGrouping, MonitoredService, ServiceStatus
from pagerd.domain.severity import DEFAULT_PAGING_SEVERITY, Severity
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import ServiceName, UtcDateTime
from pagerd.entrypoints.http.pagination import DEFAULT_LIMIT, CursorParam, Limit, Page, keyset_list
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.service_layer import services
from pagerd.service_layer.errors import NotFound

ServiceId = Annotated[UUID, Path(alias="id", description="The service's id.")]


GROUPING_DESCRIPTION = (
    "How alerts become incidents. `service`: one incident per service (a later alert joins "
    "the one under way and pages nobody). `dedup_key`: one incident per dedup key; the "
    "service is unhealthy while any is open, and a healthy event resolves them all. "
    "Changes only while the service has no open or acknowledged alert (409 otherwise)."
)
PAGING_DESCRIPTION = (
    "The lowest alert severity that pages people. An incident below it is recorded and pages "
    "nobody until an alert at or above it joins; then level 0 is paged. `info` pages for "
    "every alert."
)


class ServiceIn(BaseModel):
    """A service to create."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "checkout"}]})

    name: ServiceName = Field(description="Unique, 1 to 200 characters.")
    incident_grouping: IncidentGrouping = Field(
        default=IncidentGrouping.SERVICE, description=GROUPING_DESCRIPTION, examples=["service"]
    )
    paging_severity: Severity = Field(
        default=DEFAULT_PAGING_SEVERITY, description=PAGING_DESCRIPTION, examples=["warning"]
    )


class ServicePatch(BaseModel):
    """The fields to change; those left out keep their value."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"incident_grouping": "dedup_key", "paging_severity": "error"}]
        }
    )

    name: ServiceName | None = Field(
        default=None, description="Unique, 1 to 200 characters.", examples=["payments"]
    )
    incident_grouping: IncidentGrouping | None = Field(
        default=None, description=GROUPING_DESCRIPTION, examples=["dedup_key"]
    )
    paging_severity: Severity | None = Field(
        default=None, description=PAGING_DESCRIPTION, examples=["error"]
    )


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
    incident_grouping: IncidentGrouping = Field(description=GROUPING_DESCRIPTION)
    paging_severity: Severity = Field(description=PAGING_DESCRIPTION)
    created_at: UtcDateTime = Field(description="When it was created (RFC 3339, UTC).")

    @classmethod
    def of(cls, service: MonitoredService) -> "ServiceOut":
        """The API view of a service."""
        return cls(
            id=service.id,
            name=service.name,
            status=service.status,
            integration_key=service.integration_key,
            incident_grouping=service.incident_grouping,
            paging_severity=service.paging_severity,
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
        service = services.create_service(
            uow, clock, body.name, body.incident_grouping, body.paging_severity, actor=actor
        )
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

    @router.patch(
        "/{id}",
        responses=responses(403, 404, 409, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def update_service(
        service_id: ServiceId, body: ServicePatch, uow: UoW, actor: CurrentActor
    ) -> ServiceOut:
        """Change a service's name, incident grouping or paging severity; 409 for a name
        taken, or a grouping change while an alert is open or acknowledged."""
        changed = services.update_service(
            uow,
            service_id,
            body.name,
            body.incident_grouping,
            body.paging_severity,
            clock=clock,
            actor=actor,
        )
        container.observer.configuration_changed("update", "service", str(service_id), "api")
        return ServiceOut.of(changed)

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
