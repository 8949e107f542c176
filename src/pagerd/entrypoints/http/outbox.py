"""`/api/v1/outbox`: the dev outbox, where messages land when no real channel is configured."""

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pagerd.bootstrap import Container
from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import UtcDateTime
from pagerd.entrypoints.http.pagination import DEFAULT_LIMIT, CursorParam, Limit, Page, keyset_list
from pagerd.entrypoints.http.permissions import needs


class DevMessageOut(BaseModel):
    """A message pagerd would have sent, with its full text."""

    id: UUID = Field(description="The message's id.")
    channel: Channel = Field(description="The channel it would have gone through.")
    address: str = Field(description="Where it would have gone.")
    subject: str = Field(description="Its subject (e-mail), or a summary.")
    body: str = Field(description="Its full text.")
    idempotency_key: UUID = Field(description="The same on every re-send of one message.")
    created_at: UtcDateTime = Field(description="When it was sent to the outbox (RFC 3339, UTC).")

    @classmethod
    def of(cls, message: DevMessage) -> "DevMessageOut":
        """The API view of a dev-outbox message."""
        return cls(
            id=message.id,
            channel=message.channel,
            address=message.address,
            subject=message.subject,
            body=message.body,
            idempotency_key=message.idempotency_key,
            created_at=message.created_at,
        )


def build_router(container: Container) -> APIRouter:
    """The dev outbox route, bound to `container`."""
    router = APIRouter(prefix="/api/v1/outbox", tags=["dev outbox"])

    @router.get("", responses=responses(422), dependencies=[needs(Permission.READ)])
    def list_outbox(
        uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[DevMessageOut]:
        """Messages of the dev outbox, newest first."""
        with uow:
            return keyset_list(uow.dev_outbox.list, DevMessageOut.of, limit, cursor)

    return router
