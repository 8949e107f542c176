"""`/api/v1/users`: people, with a role and a time zone; list, read, create, change, delete.

Everyone may read users; admins create, change and delete them; a responder may change
their own name, e-mail and time zone (never their role or state). The fine rules are the
use cases'; each route declares the coarse permission.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.accounts import DEFAULT_TIME_ZONE, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, User
from pagerd.domain.roles import Permission, Role
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import UtcDateTime, storable
from pagerd.entrypoints.http.pagination import DEFAULT_LIMIT, CursorParam, Limit, Page, keyset_list
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.user_changes import UserChanges, delete_user, update_user
from pagerd.service_layer.users import create_user

UserId = Annotated[UUID, Path(alias="id", description="The user's id.")]
Name = Annotated[
    str,
    Field(
        max_length=MAX_NAME_LENGTH,
        description=(
            "Unique; what the user signs in to the console with. 1 to 64 letters, digits, "
            "spaces and . @ ' - _."
        ),
        examples=["Ada Lovelace"],
    ),
    AfterValidator(storable),
]
Email = Annotated[
    str,
    Field(
        max_length=MAX_EMAIL_LENGTH,
        description="Unique; stored in lower case.",
        examples=["ada@example.com"],
    ),
    AfterValidator(storable),
]
TimeZone = Annotated[
    str,
    Field(
        max_length=64,
        description="An IANA time zone name, in which pagerd shows the user times.",
        examples=["Europe/Paris"],
    ),
]
ROLE_HELP = (
    "`viewer` reads; `responder` also acknowledges, resolves, adds notes, escalates and "
    "edits their own profile; `admin` does everything."
)


class UserIn(BaseModel):
    """A user to create. Without a password (set one with `pagerd user reset-password` or in
    the console's people page) the user is paged but cannot sign in."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "alice",
                    "email": "alice@example.com",
                    "role": "responder",
                    "time_zone": "Europe/London",
                }
            ]
        }
    )

    name: Name
    email: Email
    role: Role = Field(default=Role.RESPONDER, description=ROLE_HELP, examples=["responder"])
    time_zone: TimeZone = DEFAULT_TIME_ZONE


class UserPatch(BaseModel):
    """Fields to change; those left out (or null) stay as they are. `role` and `disabled`
    are for admins only."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "admin", "time_zone": "America/New_York"}]}
    )

    name: Name | None = Field(
        default=None, description="A new unique name to sign in with.", examples=["Ada King"]
    )
    email: Email | None = Field(
        default=None, description="A new unique e-mail address.", examples=["ada@example.org"]
    )
    role: Role | None = Field(default=None, description=ROLE_HELP, examples=["admin"])
    time_zone: TimeZone | None = Field(
        default=None, description="A new IANA time zone name.", examples=["America/New_York"]
    )
    disabled: bool | None = Field(
        default=None,
        description=(
            "true: the user can no longer sign in or use their tokens, their sessions end "
            "at once, and they are never paged."
        ),
        examples=[True],
    )

    def changes(self) -> UserChanges:
        """The request as the use case takes it."""
        return UserChanges(self.name, self.email, self.time_zone, self.role, self.disabled)


class UserOut(BaseModel):
    """A user."""

    id: UUID = Field(
        description="The user's id.", examples=["3f2b6c1e-8f0a-4c2e-9d7b-5a1e2f3c4d5e"]
    )
    name: str = Field(description="Unique; what the user signs in with.", examples=["Ada"])
    email: str | None = Field(
        description="Null only for console accounts made before users had e-mail addresses.",
        examples=["ada@example.com"],
    )
    role: Role = Field(description=ROLE_HELP, examples=["responder"])
    time_zone: str = Field(description="IANA time zone name.", examples=["Europe/Paris"])
    disabled: bool = Field(
        description="A disabled user cannot sign in or use tokens and is never paged.",
        examples=[False],
    )
    has_password: bool = Field(
        description="Whether the user can sign in to the console (a password is set).",
        examples=[True],
    )
    created_at: UtcDateTime = Field(
        description="When the user was created (UTC).", examples=["2026-12-03T09:00:00Z"]
    )

    @classmethod
    def of(cls, user: User) -> "UserOut":
        """The API view of a user (never the password hash)."""
        return cls(
            id=user.id,
            name=user.name,
            email=user.email,
            role=user.role,
            time_zone=user.time_zone,
            disabled=user.disabled,
            has_password=user.password_hash is not None,
            created_at=user.created_at,
        )


def build_router(container: Container) -> APIRouter:
    """The user routes, bound to `container`."""
    router = APIRouter(prefix="/api/v1/users", tags=["users"])
    clock = container.clock

    @router.post(
        "",
        status_code=201,
        responses=responses(403, 409, 422),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def create(body: UserIn, uow: UoW, actor: CurrentActor) -> UserOut:
        """Create a user; 409 when the name or e-mail is taken."""
        user = create_user(
            uow,
            clock,
            body.name,
            email=body.email,
            role=body.role,
            time_zone=body.time_zone,
            actor=actor,
        )
        return UserOut.of(user)

    @router.get("", responses=responses(422), dependencies=[needs(Permission.READ)])
    def list_users(
        uow: UoW, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> Page[UserOut]:
        """Every user, oldest first."""
        with uow:
            return keyset_list(uow.users.list, UserOut.of, limit, cursor)

    @router.get("/{id}", responses=responses(404), dependencies=[needs(Permission.READ)])
    def get_user(user_id: UserId, uow: UoW) -> UserOut:
        """One user."""
        with uow:
            user = uow.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        return UserOut.of(user)

    @router.patch(
        "/{id}",
        responses=responses(403, 404, 409, 422),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def patch_user(user_id: UserId, body: UserPatch, uow: UoW, actor: CurrentActor) -> UserOut:
        """Change a user. 409 when the name or e-mail is taken, or when the change would
        leave no enabled admin (`last_admin`)."""
        return UserOut.of(update_user(uow, clock, user_id, body.changes(), actor))

    @router.delete(
        "/{id}",
        status_code=204,
        responses=responses(403, 404, 409),
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def delete(user_id: UserId, uow: UoW, actor: CurrentActor) -> Response:
        """Delete a user with their API tokens and sessions. 409 while something still
        needs the user (the message names each: a rotation they are the only participant
        of, a policy targeting them) or when they are the last enabled admin."""
        delete_user(uow, clock, user_id, actor)
        return Response(status_code=204)

    return router
