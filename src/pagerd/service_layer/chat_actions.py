"""Buttons in a chat message (Slack's Acknowledge and Resolve): who clicked, and the use
case the click runs.

The click names a chat member; it is attributed to the pagerd user whose contact method on
that channel has the member's id (their name and role), otherwise to "Slack member U0123"
(a responder: anyone the workspace lets see the page may answer it, as with a link). A user
whose role may not respond (a viewer) changes nothing. The acknowledge or resolve is the
existing use case, one transaction, which also owes the edit of every message that follows
the alert (`message_updates.follow_messages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel, channel_kind
from pagerd.domain.errors import AlertAlreadyResolved
from pagerd.domain.roles import Actor, Permission, Role
from pagerd.service_layer.alerts import acknowledge
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.incidents import resolve_incident
from pagerd.service_layer.ports import Clock, UnitOfWork


class ChatAction(StrEnum):
    """What a button asks."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class ChatOutcome(StrEnum):
    """What the click did."""

    DONE = "done"
    ALREADY_RESOLVED = "already_resolved"
    UNKNOWN_ALERT = "unknown_alert"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class ChatResult:
    """The outcome, who it was attributed to, and the alert when there is one."""

    outcome: ChatOutcome
    by: str
    alert: Alert | None = None


def chat_member(uow: UnitOfWork, channel: Channel, member_id: str) -> Actor:
    """The pagerd user whose contact method on `channel` is `member_id` (an enabled one
    first), or "Slack member U0123" as a responder."""
    with uow:
        methods = uow.contact_methods.with_address(channel, member_id)
        users = [uow.users.get(m.user_id) for m in methods]
    known = [u for u in users if u is not None]
    known.sort(key=lambda u: not u.is_pageable)  # an enabled user before a disabled one
    if known:
        return known[0].as_actor()
    return Actor(f"{channel_kind(channel).label} member {member_id}", Role.RESPONDER)


def act_from_chat(
    uow: UnitOfWork,
    clock: Clock,
    channel: Channel,
    member_id: str,
    alert_id: UUID,
    action: ChatAction,
) -> ChatResult:
    """Acknowledge or resolve `alert_id` as the member who clicked."""
    actor = chat_member(uow, channel, member_id)
    if not actor.can(Permission.RESPOND):
        return ChatResult(ChatOutcome.NOT_ALLOWED, actor.name)
    try:
        if action is ChatAction.ACKNOWLEDGE:
            alert = acknowledge(uow, clock, alert_id, by=actor.name, actor=actor)
        else:
            alert = resolve_incident(uow, clock, alert_id, actor.name, actor=actor)
    except AlertAlreadyResolved:
        return ChatResult(ChatOutcome.ALREADY_RESOLVED, actor.name)
    except NotFound:
        return ChatResult(ChatOutcome.UNKNOWN_ALERT, actor.name)
    return ChatResult(ChatOutcome.DONE, actor.name, alert)
