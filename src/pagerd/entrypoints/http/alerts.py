"""`/api/v1/alerts`: receive, list, read and acknowledge alerts; their timeline and pages."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query
from fastapi.concurrency import run_in_threadpool

from pagerd.bootstrap import Container
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.roles import Permission
from pagerd.domain.severity import Severity
from pagerd.entrypoints.http.alert_schemas import (
    AcknowledgeIn,
    AlertIn,
    AlertOut,
    NoteIn,
    NotificationOut,
    ReceivedOut,
    TimelineEntryOut,
)
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    Limit,
    Page,
    keyset_list,
    offset_page,
    position_page,
)
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.service_layer import alerts, incidents
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Cursor, UnitOfWork

AlertId = Annotated[UUID, Path(alias="id", description="The alert's id.")]


def _existing(uow: UnitOfWork, alert_id: UUID) -> Alert:
    alert = uow.alerts.get(alert_id)
    if alert is None:
        raise NotFound("alert", alert_id)
    return alert


def build_router(container: Container) -> APIRouter:
    """The alert routes, bound to `container`."""
    router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

    @router.post(
        "",
        status_code=202,
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.RESPOND)],
    )
    async def receive_alert(body: AlertIn) -> ReceivedOut:
        """Open an incident and page level 0, or join the service's open or acknowledged
        incident (nobody is paged; the alert goes on its timeline)."""
        # `async` with the use case on the thread pool: FastAPI would otherwise take a
        # second trip to the pool to check the response of a plain `def` route (the
        # busiest route; a trip costs more than the check). Its unit of work is made here,
        # not by the `UoW` dependency: each dependency costs FastAPI more than the object.
        received = await run_in_threadpool(
            alerts.receive_alert,
            container.uow_factory(),
            container.clock,
            body.monitored_service_id,
            body.message,
            body.dedup_key,
            body.to_context(),
        )
        container.observer.alert_received(
            "api",
            received.deduplicated,
            received.alert.id,
            received.alert.monitored_service_id,
        )
        return ReceivedOut(alert=AlertOut.of(received.alert), deduplicated=received.deduplicated)

    @router.get("", responses=responses(422), dependencies=[needs(Permission.READ)])
    def list_alerts(
        uow: UoW,
        status: Annotated[
            AlertStatus | None, Query(description="Only alerts of this status.")
        ] = None,
        monitored_service_id: Annotated[
            UUID | None, Query(description="Only alerts of this service.")
        ] = None,
        severity: Annotated[
            Severity | None, Query(description="Only alerts of this severity.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> Page[AlertOut]:
        """Alerts, newest first, optionally of one status, one service and one severity."""

        def fetch(n: int, after: Cursor | None) -> list[Alert]:
            return uow.alerts.list(
                n, after, status=status, service_id=monitored_service_id, severity=severity
            )

        with uow:
            return keyset_list(fetch, AlertOut.of, limit, cursor)

    @router.get("/{id}", responses=responses(404), dependencies=[needs(Permission.READ)])
    def get_alert(alert_id: AlertId, uow: UoW) -> AlertOut:
        """One alert."""
        with uow:
            return AlertOut.of(_existing(uow, alert_id))

    @router.post(
        "/{id}/acknowledge",
        responses=responses(403, 404, 409, 422),
        dependencies=[needs(Permission.RESPOND)],
    )
    def acknowledge(
        alert_id: AlertId,
        uow: UoW,
        actor: CurrentActor,
        body: Annotated[AcknowledgeIn | None, Body()] = None,
    ) -> AlertOut:
        """Stop escalation; idempotent. 409 when the alert is already resolved. `by`
        defaults to the caller."""
        by = (body.by if body is not None else None) or actor.name
        acked = alerts.acknowledge(uow, container.clock, alert_id, by, actor=actor)
        return AlertOut.of(acked)

    @router.post(
        "/{id}/resolve",
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.RESPOND)],
    )
    def resolve(alert_id: AlertId, uow: UoW, actor: CurrentActor) -> AlertOut:
        """Resolve this incident now (escalation stops; the timeline names who did it). The
        service turns healthy when no other incident of it is under way. Idempotent."""
        done = incidents.resolve_incident(uow, container.clock, alert_id, actor.name, actor=actor)
        return AlertOut.of(done)

    @router.post(
        "/{id}/escalate",
        responses=responses(403, 404, 409, 422),
        dependencies=[needs(Permission.RESPOND)],
    )
    def escalate(alert_id: AlertId, uow: UoW, actor: CurrentActor) -> AlertOut:
        """Page the next level now instead of waiting for its timer (level 0 of an incident
        held below the paging severity; level 0 of the next pass after the last level while
        passes are left). 409 when the alert is not open, has no policy or no level left."""
        done = incidents.escalate_incident(uow, container.clock, alert_id, actor.name, actor=actor)
        return AlertOut.of(done)

    @router.post(
        "/{id}/notes",
        status_code=201,
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.RESPOND)],
    )
    def add_note(alert_id: AlertId, body: NoteIn, uow: UoW, actor: CurrentActor) -> AlertOut:
        """Write a note on the incident's timeline (type `note`, with `by` and `text`)."""
        done = incidents.add_note(
            uow, container.clock, alert_id, body.text, actor.name, actor=actor
        )
        return AlertOut.of(done)

    @router.get(
        "/{id}/dedup-keys", responses=responses(404, 422), dependencies=[needs(Permission.READ)]
    )
    def dedup_keys(
        alert_id: AlertId, uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[str]:
        """Every dedup key the incident holds, in the order they joined (the alert itself
        shows only the first 100, and `dedup_key_count`)."""
        with uow:
            _existing(uow, alert_id)

            def fetch(n: int, after: int | None) -> list[tuple[int, str]]:
                return uow.alerts.list_keys(alert_id, n, after)

            keys, next_cursor = position_page(fetch, limit, cursor)
        return Page(items=keys, next_cursor=next_cursor)

    @router.get(
        "/{id}/timeline", responses=responses(404, 422), dependencies=[needs(Permission.READ)]
    )
    def timeline(
        alert_id: AlertId, uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[TimelineEntryOut]:
        """The alert's history, oldest first."""
        with uow:
            _existing(uow, alert_id)
            entries = uow.timeline.list_for_alert(alert_id)
        rows, next_cursor = offset_page(entries, limit, cursor)
        return Page(items=[TimelineEntryOut.of(e) for e in rows], next_cursor=next_cursor)

    @router.get(
        "/{id}/notifications",
        responses=responses(404, 422),
        dependencies=[needs(Permission.READ)],
    )
    def notifications(
        alert_id: AlertId, uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[NotificationOut]:
        """The pages owed for the alert and how their delivery went, oldest first."""
        with uow:
            _existing(uow, alert_id)
            found = uow.outbox.list_for_alert(alert_id)
        rows, next_cursor = offset_page(found, limit, cursor)
        return Page(items=[NotificationOut.of(n) for n in rows], next_cursor=next_cursor)

    return router
