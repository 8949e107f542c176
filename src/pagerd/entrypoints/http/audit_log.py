"""`/api/v1/audit-log`: who changed what and when, newest first (admins only)."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pagerd.bootstrap import Container
from pagerd.domain.audit import AuditEntry
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import UtcDateTime
from pagerd.entrypoints.http.pagination import DEFAULT_LIMIT, CursorParam, Limit, Page, keyset_list
from pagerd.entrypoints.http.permissions import needs


class AuditEntryOut(BaseModel):
    """One change of configuration or one action on an incident."""

    id: UUID = Field(
        description="The entry's id.", examples=["7a9e0c4d-2b1f-4e3a-8c5d-6f7a8b9c0d1e"]
    )
    at: UtcDateTime = Field(
        description="When the change was made (UTC).", examples=["2026-12-03T10:00:00Z"]
    )
    actor_id: UUID | None = Field(
        description=(
            "The user who acted (signed in, or through one of their tokens); null for the "
            "admin token, tokens of nobody, the command line and pagerd itself."
        ),
        examples=["3f2b6c1e-8f0a-4c2e-9d7b-5a1e2f3c4d5e"],
    )
    actor_name: str = Field(
        description="Who acted, as named then.", examples=["Ada Lovelace", "command line"]
    )
    action: str = Field(
        description="`<subject type>.<what happened>`.",
        examples=["service.deleted", "alert.acknowledged", "user.updated"],
    )
    subject_type: str = Field(description="What kind of thing changed.", examples=["service"])
    subject_id: str | None = Field(
        description="The id of the thing that changed (null for a whole `pagerd apply`).",
        examples=["9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"],
    )
    before: dict[str, Any] | None = Field(
        description="The thing before the change (null when it was created); secrets left out.",
        examples=[{"name": "checkout", "status": "unhealthy"}],
    )
    after: dict[str, Any] | None = Field(
        description="The thing after the change (null when it was deleted); secrets left out.",
        examples=[{"name": "checkout", "status": "healthy"}],
    )

    @classmethod
    def of(cls, entry: AuditEntry) -> "AuditEntryOut":
        """The API view of an entry."""
        return cls(
            id=entry.id,
            at=entry.created_at,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            action=entry.action,
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            before=entry.before,
            after=entry.after,
        )


def build_router(container: Container) -> APIRouter:
    """The audit log route."""
    router = APIRouter(prefix="/api/v1/audit-log", tags=["audit log"])

    @router.get("", responses=responses(403, 422), dependencies=[needs(Permission.CONFIGURE)])
    def list_entries(
        uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[AuditEntryOut]:
        """The audit log, newest first."""
        with uow:
            return keyset_list(uow.audit_log.list, AuditEntryOut.of, limit, cursor)

    return router
