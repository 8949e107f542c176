"""`/api/v1/services/{id}/escalation-policy`: put and read a service's escalation policy.

The request's targets are checked by the domain (`build_policy`), which names every bad field
(`levels.0.targets.1.email`); the schema here only bounds numbers and text so that nothing
the domain computes with can overflow.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import AfterValidator, BaseModel, Field

from pagerd.bootstrap import Container
from pagerd.domain.channels import Channel
from pagerd.domain.policy import (
    MAX_ACK_TIMEOUT,
    MAX_REPEAT,
    USER_TARGET,
    EscalationPolicy,
    LevelSpec,
    PolicyTarget,
    TargetSpec,
    UserTarget,
)
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import storable
from pagerd.service_layer import policies

ServiceId = Annotated[UUID, Path(alias="id", description="The service's id.")]
MAX_SECONDS = int(MAX_ACK_TIMEOUT.total_seconds())
Address = Annotated[str, Field(max_length=4096), AfterValidator(storable)]


class TargetIn(BaseModel):
    """A target: `{"type": "email", "email"}`, `{"type": "sms", "phone_number"}` (E.164),
    `{"type": "webhook", "url"}`, or `{"type": "user", "user_id"}` (a person, paged by their
    notification rules when the level triggers); `type` is case-insensitive."""

    type: str = Field(
        max_length=20,
        description="email, sms, webhook or user.",
        examples=["email", "sms", "webhook", "user"],
    )
    email: Address | None = None
    phone_number: Address | None = None
    url: Address | None = None
    user_id: Address | None = Field(
        default=None,
        description="For a `user` target: the id of the user to page.",
        examples=["5f0c1a52-8b7e-4a0e-9c55-0d5a3b2e7f10"],
    )

    def spec(self) -> TargetSpec:
        """The target as the domain takes it: its type and the address its type names."""
        kind = self.type.lower()
        if kind == USER_TARGET:
            return TargetSpec(self.type, self.user_id or "")
        try:
            field = Channel(kind).address_field
        except ValueError:
            return TargetSpec(self.type, "")  # the domain reports the bad type
        return TargetSpec(self.type, getattr(self, field, None) or "")


class LevelIn(BaseModel):
    """A level: every target is paged at once, then the level waits `ack_timeout_seconds`."""

    ack_timeout_seconds: int = Field(default=900, ge=1, le=MAX_SECONDS)
    targets: list[TargetIn] = Field(max_length=1000)


class PolicyIn(BaseModel):
    """A policy to store: at least one level, each with at least one target."""

    repeat: int = Field(default=0, ge=0, le=MAX_REPEAT, description="Extra passes, 0 to 9.")
    levels: list[LevelIn] = Field(max_length=1000)

    def level_specs(self) -> list[LevelSpec]:
        """The levels as the domain takes them."""
        return [
            LevelSpec([t.spec() for t in level.targets], level.ack_timeout_seconds)
            for level in self.levels
        ]


class TargetOut(BaseModel):
    """A stored target; only the address field of its type is present."""

    id: UUID
    type: str = Field(description="email, sms, webhook or user.", examples=["user"])
    email: str | None = None
    phone_number: str | None = None
    url: str | None = None
    user_id: UUID | None = Field(
        default=None,
        description="For a `user` target: the user paged.",
        examples=["5f0c1a52-8b7e-4a0e-9c55-0d5a3b2e7f10"],
    )

    @classmethod
    def of(cls, target: PolicyTarget) -> "TargetOut":
        """The API view of a target."""
        if isinstance(target, UserTarget):
            return cls(id=target.id, type=USER_TARGET, user_id=target.user_id)
        field = target.channel.address_field
        return cls.model_validate({"id": target.id, "type": target.channel, field: target.address})


class LevelOut(BaseModel):
    """A stored level; `id` is its 0-based position."""

    id: int
    ack_timeout_seconds: int
    targets: list[TargetOut]


class PolicyOut(BaseModel):
    """A service's escalation policy."""

    id: UUID
    monitored_service_id: UUID
    repeat: int
    levels: list[LevelOut]

    @classmethod
    def of(cls, policy: EscalationPolicy) -> "PolicyOut":
        """The API view of a policy."""
        return cls(
            id=policy.id,
            monitored_service_id=policy.monitored_service_id,
            repeat=policy.repeat,
            levels=[
                LevelOut(
                    id=index,
                    ack_timeout_seconds=int(level.ack_timeout.total_seconds()),
                    targets=[TargetOut.of(t) for t in level.targets],
                )
                for index, level in enumerate(policy.levels)
            ],
        )


def build_router(container: Container) -> APIRouter:
    """The escalation-policy routes, bound to `container`."""
    router = APIRouter(prefix="/api/v1/services", tags=["escalation policies"])

    @router.put(
        "/{id}/escalation-policy",
        responses=responses(404, 422),
        response_model_exclude_none=True,
    )
    def put_policy(service_id: ServiceId, body: PolicyIn, uow: UoW) -> PolicyOut:
        """Store the service's policy, replacing the previous one. Alerts already open keep
        the policy they opened with."""
        policy = policies.put_policy(uow, service_id, body.level_specs(), body.repeat)
        return PolicyOut.of(policy)

    @router.get(
        "/{id}/escalation-policy",
        responses=responses(404),
        response_model_exclude_none=True,
    )
    def get_policy(service_id: ServiceId, uow: UoW) -> PolicyOut:
        """The service's policy; 404 when the service or its policy does not exist."""
        return PolicyOut.of(policies.get_policy(uow, service_id))

    return router
