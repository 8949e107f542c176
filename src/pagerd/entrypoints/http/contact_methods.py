"""`/api/v1/users/{id}/contact-methods` and `/notification-rules`: how a person is paged.

Addresses are checked by the domain (`build_contact_method`) exactly as policy targets are;
the schema here only bounds sizes so that nothing reaching the domain can overflow.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.people import MAX_RULE_DELAY_MINUTES, ContactMethod, NotificationRule, RuleSpec
from pagerd.domain.roles import Permission
from pagerd.domain.test_message import TestMessage
from pagerd.entrypoints.http.deps import UoW
from pagerd.entrypoints.http.errors import responses
from pagerd.entrypoints.http.fields import UtcDateTime, storable
from pagerd.entrypoints.http.permissions import CurrentActor, needs
from pagerd.service_layer import contact_methods, test_messages

UserId = Annotated[UUID, Path(alias="id", description="The user's id.")]
MethodId = Annotated[UUID, Path(description="The contact method's id.")]
_USER_EXAMPLE = "5f0c1a52-8b7e-4a0e-9c55-0d5a3b2e7f10"
_METHOD_EXAMPLE = "9a4e2b17-3c6d-4f80-8e21-7b5d0c4a6e93"


class ContactMethodIn(BaseModel):
    """A way to reach the user. `address` is checked for its type: an e-mail address, an
    E.164 number (sms, voice), a Slack member id (slack) or an http(s) URL (webhook)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"type": "sms", "address": "+5492664295169", "label": "work phone"}]
        }
    )

    type: str = Field(
        max_length=20,
        description="email, sms, voice, slack or webhook (case-insensitive).",
        examples=["sms"],
    )
    address: Annotated[str, Field(max_length=4096), AfterValidator(storable)] = Field(
        description="Where to send: oncall@example.com, +5492664295169, U0123ABCD, https://...",
        examples=["+5492664295169"],
    )
    label: Annotated[str, Field(max_length=4096), AfterValidator(storable)] | None = Field(
        default=None,
        description='A name for people ("work phone"); defaults to the type.',
        examples=["work phone"],
    )


class ContactMethodOut(BaseModel):
    """A stored contact method."""

    id: UUID = Field(description="The contact method's id.", examples=[_METHOD_EXAMPLE])
    user_id: UUID = Field(description="The user it reaches.", examples=[_USER_EXAMPLE])
    type: str = Field(description="email, sms, voice, slack or webhook.", examples=["sms"])
    address: str = Field(description="Where pages go.", examples=["+5492664295169"])
    label: str = Field(description="A name for people.", examples=["work phone"])
    created_at: UtcDateTime = Field(
        description="When it was added.", examples=["2026-12-03T10:00:00Z"]
    )

    @classmethod
    def of(cls, method: ContactMethod) -> "ContactMethodOut":
        """The API view of a contact method."""
        return cls(
            id=method.id,
            user_id=method.user_id,
            type=method.channel.value,
            address=method.address,
            label=method.label,
            created_at=method.created_at,
        )


class ContactMethodList(BaseModel):
    """A user's contact methods, oldest first (a user has at most 50)."""

    items: list[ContactMethodOut] = Field(
        description="The contact methods, oldest first.",
        examples=[
            [
                {
                    "id": _METHOD_EXAMPLE,
                    "user_id": _USER_EXAMPLE,
                    "type": "sms",
                    "address": "+5492664295169",
                    "label": "work phone",
                    "created_at": "2026-12-03T10:00:00Z",
                }
            ]
        ],
    )
    next_cursor: str | None = Field(
        default=None, description="Always null: one page.", examples=[None]
    )


class RuleIn(BaseModel):
    """Page `contact_method_id` `delay_minutes` after the user is paged for a level."""

    contact_method_id: UUID = Field(
        description="One of this user's contact methods.", examples=[_METHOD_EXAMPLE]
    )
    delay_minutes: int = Field(
        ge=0,
        le=MAX_RULE_DELAY_MINUTES,
        description="Minutes after the level pages the user: 0 (at once) to 1440.",
        examples=[0, 5, 15],
    )


class RulesIn(BaseModel):
    """The user's whole rule set, replacing the previous one; at least one rule with delay 0."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rules": [
                        {
                            "contact_method_id": "3c9d7e21-0a4b-4f5e-8d6c-1b2a3f4e5d6c",
                            "delay_minutes": 0,
                        }
                    ]
                }
            ]
        }
    )

    rules: list[RuleIn] = Field(
        max_length=1000,
        description="At least one rule; at least one with `delay_minutes` 0.",
        examples=[[{"contact_method_id": _METHOD_EXAMPLE, "delay_minutes": 0}]],
    )

    def specs(self) -> list[RuleSpec]:
        """The rules as the domain takes them."""
        return [RuleSpec(r.contact_method_id, r.delay_minutes) for r in self.rules]


class RuleOut(BaseModel):
    """A stored rule."""

    contact_method_id: UUID = Field(
        description="The contact method paged.", examples=[_METHOD_EXAMPLE]
    )
    delay_minutes: int = Field(description="Minutes after the level pages the user.", examples=[5])

    @classmethod
    def of(cls, rule: NotificationRule) -> "RuleOut":
        """The API view of a rule."""
        return cls(contact_method_id=rule.contact_method_id, delay_minutes=rule.delay_minutes)


class RulesOut(BaseModel):
    """The user's notification rules, by delay. Empty: every contact method at once."""

    user_id: UUID = Field(description="The user the rules belong to.", examples=[_USER_EXAMPLE])
    rules: list[RuleOut] = Field(
        description="By delay; empty: every contact method at once.",
        examples=[[{"contact_method_id": _METHOD_EXAMPLE, "delay_minutes": 0}]],
    )


class TestIn(BaseModel):
    """The body of a test request: empty (`{}`)."""

    __test__ = False
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{}]})


class TestOut(BaseModel):
    """A test message in the outbox; a dispatcher sends it through the method's channel."""

    __test__ = False
    id: UUID = Field(
        description="The test message's id (its idempotency key toward the provider).",
        examples=["3c9d7e21-0a4b-4f5e-8d6c-1b2a3f4e5d6c"],
    )
    contact_method_id: UUID = Field(
        description="The contact method tested.", examples=[_METHOD_EXAMPLE]
    )
    status: NotificationStatus = Field(
        description="pending until a dispatcher sends it, then sent or failed.",
        examples=["pending"],
    )
    attempts: int = Field(description="Sending attempts so far.", examples=[0])
    last_error: str | None = Field(
        default=None,
        description="Why the last attempt failed, for a person.",
        examples=["smtp: connection refused"],
    )
    sent_at: UtcDateTime | None = Field(
        default=None, description="When the provider accepted it.", examples=[None]
    )

    @classmethod
    def of(cls, message: TestMessage) -> "TestOut":
        """The API view of a test message."""
        return cls(
            id=message.id,
            contact_method_id=message.contact_method_id,
            status=message.status,
            attempts=message.attempts,
            last_error=message.last_error,
            sent_at=message.sent_at,
        )


def build_router(container: Container) -> APIRouter:
    """The contact-method and notification-rule routes, bound to `container`."""
    router = APIRouter(prefix="/api/v1/users", tags=["people"])
    clock = container.clock

    @router.post(
        "/{id}/contact-methods",
        status_code=201,
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def add_contact_method(
        user_id: UserId, body: ContactMethodIn, uow: UoW, actor: CurrentActor
    ) -> ContactMethodOut:
        """Add a way to reach the user, validated like a policy target's address. Admins
        for anyone, responders for themselves."""
        method = contact_methods.add_contact_method(
            uow, clock, user_id, body.type, body.address, body.label, actor
        )
        return ContactMethodOut.of(method)

    @router.get(
        "/{id}/contact-methods", responses=responses(404), dependencies=[needs(Permission.READ)]
    )
    def list_contact_methods(user_id: UserId, uow: UoW) -> ContactMethodList:
        """The user's contact methods, oldest first."""
        profile = contact_methods.get_profile(uow, user_id)
        return ContactMethodList(items=[ContactMethodOut.of(m) for m in profile.contact_methods])

    @router.delete(
        "/{id}/contact-methods/{cm_id}",
        status_code=204,
        responses=responses(403, 404),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def delete_contact_method(
        user_id: UserId, cm_id: MethodId, uow: UoW, actor: CurrentActor
    ) -> Response:
        """Delete a contact method, its rules and its pending rule timers. When no immediate
        rule is left, the user's rules are cleared (every method is then paged at once)."""
        contact_methods.delete_contact_method(uow, user_id, cm_id, clock=clock, actor=actor)
        return Response(status_code=204)

    @router.post(
        "/{id}/contact-methods/{cm_id}/test",
        status_code=202,
        responses=responses(403, 404),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def test_contact_method(
        user_id: UserId, cm_id: MethodId, body: TestIn, uow: UoW, actor: CurrentActor
    ) -> TestOut:
        """Queue a test message to this contact method. A dispatcher sends it through the
        real channel (SMTP, Twilio, the webhook; the dev outbox when not configured)."""
        return TestOut.of(test_messages.queue_test_message(uow, clock, user_id, cm_id, actor))

    @router.get(
        "/{id}/contact-methods/{cm_id}/test/{test_id}",
        responses=responses(404),
        dependencies=[needs(Permission.READ)],
    )
    def get_test_message(
        user_id: UserId,
        cm_id: MethodId,
        test_id: Annotated[UUID, Path(description="The test message's id.")],
        uow: UoW,
    ) -> TestOut:
        """Whether a test message was sent yet, and how its last attempt went."""
        return TestOut.of(test_messages.get_test_message(uow, user_id, test_id))

    @router.put(
        "/{id}/notification-rules",
        responses=responses(403, 404, 422),
        dependencies=[needs(Permission.EDIT_OWN_PROFILE)],
    )
    def put_rules(user_id: UserId, body: RulesIn, uow: UoW, actor: CurrentActor) -> RulesOut:
        """Replace the user's notification rules (which method, after how many minutes)."""
        rules = contact_methods.put_notification_rules(
            uow, user_id, body.specs(), clock=clock, actor=actor
        )
        return RulesOut(user_id=user_id, rules=[RuleOut.of(r) for r in rules])

    @router.get(
        "/{id}/notification-rules", responses=responses(404), dependencies=[needs(Permission.READ)]
    )
    def get_rules(user_id: UserId, uow: UoW) -> RulesOut:
        """The user's notification rules; none means every contact method at once."""
        profile = contact_methods.get_profile(uow, user_id)
        return RulesOut(user_id=user_id, rules=[RuleOut.of(r) for r in profile.rules])

    return router
