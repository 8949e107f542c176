"""`/api/v1/services/{id}/escalation-policy`: put and read a service's escalation policy.

The request's targets are checked by the domain (`build_policy`), which names every bad field
(`levels.0.targets.1.email`); the schema here only bounds numbers and text so that nothing
the domain computes with can overflow.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.channels import Channel
from pagerd.domain.policy import (
    MAX_ACK_TIMEOUT,
    MAX_REPEAT,
    SCHEDULE_TARGET,
    USER_TARGET,
    EscalationPolicy,
    LevelSpec,
    PolicyTarget,
    ScheduleTarget,
    TargetSpec,
    UserTarget,
)
from pagerd.domain.roles import Permission
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import storable
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.service_layer import policies

ServiceId = Annotated[UUID, Path(alias="id", description="The service's id.")]
MAX_SECONDS = int(MAX_ACK_TIMEOUT.total_seconds())
Address = Annotated[str, Field(max_length=4096), AfterValidator(storable)]
TargetId = Annotated[str, Field(max_length=64), AfterValidator(storable)]
"""The id a `schedule` target names; checked as a UUID by the domain (a 422 naming it)."""


class TargetIn(BaseModel):
    """A target: `{"type": "email", "email"}`, `{"type": "sms", "phone_number"}` (E.164),
    `{"type": "webhook", "url"}`, `{"type": "slack", "channel"}` (a Slack channel id),
    `{"type": "teams", "url"}` (a Microsoft Teams Workflows webhook),
    `{"type": "user", "user_id"}` (a person, paged by their
    notification rules when the level triggers), or `{"type": "schedule", "schedule_id"}`
    (whoever the schedule has on call when the level triggers); `type` is case-insensitive."""

    type: str = Field(
        max_length=20,
        examples=["email", "sms", "webhook", "slack", "teams", "user", "schedule"],
        description="How to page: email, sms, webhook, slack, teams, user (a person, by their "
        "notification rules) or schedule (whoever it has on call then); any case.",
    )
    email: Address | None = Field(default=None, description="For an email target: the address.")
    phone_number: Address | None = Field(
        default=None, description="For an sms target: the number in E.164, e.g. +5492664295169."
    )
    url: Address | None = Field(
        default=None,
        description="For a webhook target: the http(s) URL pagerd POSTs to; for a teams "
        "target: the URL of the channel's Teams Workflows webhook.",
    )
    channel: Address | None = Field(
        default=None,
        description="For a slack target: the id of the Slack channel pagerd posts to.",
        examples=["C0123ABCD"],
    )
    user_id: Address | None = Field(
        default=None,
        description="For a `user` target: the id of the user to page.",
        examples=["5f0c1a52-8b7e-4a0e-9c55-0d5a3b2e7f10"],
    )
    schedule_id: TargetId | None = Field(
        default=None,
        description="For a `schedule` target: the id of the schedule whose person on call, "
        "when the level triggers, is paged.",
        examples=["0b6d3c8e-2f4a-4d1b-9a7e-3c5f8e1d2a40"],
    )

    def spec(self) -> TargetSpec:
        """The target as the domain takes it: its type and the address its type names."""
        kind = self.type.lower()
        if kind == USER_TARGET:
            return TargetSpec(self.type, self.user_id or "")
        if kind == SCHEDULE_TARGET:
            return TargetSpec(self.type, self.schedule_id or "")
        try:
            field = Channel(kind).address_field
        except ValueError:
            return TargetSpec(self.type, "")  # the domain reports the bad type
        return TargetSpec(self.type, getattr(self, field, None) or "")


class LevelIn(BaseModel):
    """A level: every target is paged at once, then the level waits `ack_timeout_seconds`."""

    ack_timeout_seconds: int = Field(
        default=900,
        ge=1,
        le=MAX_SECONDS,
        description="How long the level waits for an acknowledgement before the next is paged.",
    )
    targets: list[TargetIn] = Field(
        max_length=1000, description="Who is paged, all at once: at least one."
    )


class PolicyIn(BaseModel):
    """A policy to store: at least one level, each with at least one target."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "repeat": 0,
                    "levels": [
                        {
                            "ack_timeout_seconds": 300,
                            "targets": [{"type": "email", "email": "oncall@example.com"}],
                        },
                        {"targets": [{"type": "sms", "phone_number": "+5492664295169"}]},
                    ],
                }
            ]
        }
    )

    repeat: int = Field(default=0, ge=0, le=MAX_REPEAT, description="Extra passes, 0 to 9.")
    levels: list[LevelIn] = Field(
        max_length=1000, description="Paged in order, each after the previous one timed out."
    )

    def level_specs(self) -> list[LevelSpec]:
        """The levels as the domain takes them."""
        return [
            LevelSpec([t.spec() for t in level.targets], level.ack_timeout_seconds)
            for level in self.levels
        ]


class TargetOut(BaseModel):
    """A stored target; only the address field of its type is present."""

    id: UUID = Field(description="The target's id (pages and timeline entries name it).")
    type: str = Field(
        description="How it is paged: email, sms, webhook, slack, teams, user or schedule.",
        examples=["user"],
    )
    email: str | None = Field(default=None, description="For an email target: the address.")
    phone_number: str | None = Field(
        default=None, description="For an sms target: the E.164 number."
    )
    url: str | None = Field(default=None, description="For a webhook or teams target: the URL.")
    channel: str | None = Field(default=None, description="For a slack target: the channel id.")
    user_id: UUID | None = Field(
        default=None,
        description="For a `user` target: the user paged.",
        examples=["5f0c1a52-8b7e-4a0e-9c55-0d5a3b2e7f10"],
    )
    schedule_id: UUID | None = Field(
        default=None,
        description="For a `schedule` target: the schedule whose person on call is paged.",
        examples=["0b6d3c8e-2f4a-4d1b-9a7e-3c5f8e1d2a40"],
    )

    @classmethod
    def of(cls, target: PolicyTarget) -> "TargetOut":
        """The API view of a target."""
        if isinstance(target, UserTarget):
            return cls(id=target.id, type=USER_TARGET, user_id=target.user_id)
        if isinstance(target, ScheduleTarget):
            return cls(id=target.id, type=SCHEDULE_TARGET, schedule_id=target.schedule_id)
        field = target.channel.address_field
        return cls.model_validate({"id": target.id, "type": target.channel, field: target.address})


class LevelOut(BaseModel):
    """A stored level; `id` is its 0-based position."""

    id: int = Field(description="The level's 0-based position.")
    ack_timeout_seconds: int = Field(description="How long it waits for an acknowledgement.")
    targets: list[TargetOut] = Field(description="Who it pages, all at once.")


class PolicyOut(BaseModel):
    """A service's escalation policy."""

    id: UUID = Field(description="The policy's id (kept when the policy is replaced).")
    monitored_service_id: UUID = Field(description="The service it belongs to.")
    repeat: int = Field(description="Extra passes over the levels after the last one, 0 to 9.")
    levels: list[LevelOut] = Field(description="The levels, paged in order.")

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
        responses=responses(403, 404, 422),
        response_model_exclude_none=True,
        dependencies=[needs(Permission.CONFIGURE)],
    )
    def put_policy(
        service_id: ServiceId, body: PolicyIn, uow: UoW, actor: CurrentActor
    ) -> PolicyOut:
        """Store the service's policy, replacing the previous one. Alerts already open keep
        the policy they opened with."""
        specs, clock = body.level_specs(), container.clock
        allowed = container.settings.allowed_networks
        policy = policies.put_policy(
            uow, service_id, specs, body.repeat, clock=clock, actor=actor, allowed_networks=allowed
        )
        container.observer.configuration_changed(
            "update", "escalation policy", str(service_id), "api"
        )
        return PolicyOut.of(policy)

    @router.get(
        "/{id}/escalation-policy",
        responses=responses(404),
        response_model_exclude_none=True,
        dependencies=[needs(Permission.READ)],
    )
    def get_policy(service_id: ServiceId, uow: UoW) -> PolicyOut:
        """The service's policy; 404 when the service or its policy does not exist."""
        return PolicyOut.of(policies.get_policy(uow, service_id))

    return router
