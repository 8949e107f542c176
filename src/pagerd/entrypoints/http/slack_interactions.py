"""Slack's buttons: `POST /integrations/slack/interactions`, the app's interactivity URL.

Authenticated before the body is read any further than needed: the timestamp header must
be within five minutes of pagerd's clock (checked before the body is read), then Slack's
signature (`X-Slack-Signature: v0=` HMAC-SHA256 keyed by PAGERD_SLACK_SIGNING_SECRET over
`v0:{timestamp}:{raw body}`, compared in constant time) must match the raw body; only then
is the body parsed. Anything else is 401 and changes nothing. A signature already handled
(a replay, within the five minutes it could pass) is 409 and changes nothing.

A click on Acknowledge or Resolve runs the use case as the member who clicked
(`chat_actions.act_from_chat`); the message itself is edited through the outbox (the use
case owes the edit), never from here: Slack gets its 200 at once. Other interactions (the
"Open in pagerd" link button) are answered 200 and ignored.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool

from pagerd.adapters.channels.slack import (
    ACKNOWLEDGE_ACTION,
    RESOLVE_ACTION,
    SlackRequestVerifier,
)
from pagerd.bootstrap import Container
from pagerd.domain.channels import Channel, slack_member_problem
from pagerd.service_layer.chat_actions import ChatAction, act_from_chat
from pagerd.service_layer.inbound import already_handled, mark_handled

PATH = "/integrations/slack/interactions"
PROVIDER = "slack"
_ACTIONS = {ACKNOWLEDGE_ACTION: ChatAction.ACKNOWLEDGE, RESOLVE_ACTION: ChatAction.RESOLVE}
_SIGNATURE_MAX = 100  # "v0=" and 64 hex digits


def build_router(container: Container) -> APIRouter:
    """Slack's interactivity endpoint over `container`."""
    router = APIRouter(tags=["integrations"])

    @router.post(
        PATH,
        response_class=Response,
        responses={
            400: {"description": "a signed body that is not a Slack interaction"},
            401: {"description": "missing, stale or wrong signature"},
            403: {"description": "PAGERD_SLACK_SIGNING_SECRET is not set"},
            409: {"description": "a replay of a request already handled"},
        },
    )
    async def receive_slack_interaction(
        request: Request,
        timestamp: Annotated[
            str,
            Header(
                alias="X-Slack-Request-Timestamp",
                description="Unix seconds when Slack sent the request: within five minutes.",
            ),
        ] = "",
        signature: Annotated[
            str,
            Header(
                alias="X-Slack-Signature",
                description="`v0=` and the HMAC-SHA256 of `v0:{timestamp}:{body}`.",
            ),
        ] = "",
    ) -> Response:
        """Acknowledge or resolve the alert of a clicked button, as the member who clicked."""
        secret = container.settings.slack_signing_secret
        if secret is None or not secret.get_secret_value():
            return _text(403, "Slack interactions need PAGERD_SLACK_SIGNING_SECRET")
        verifier = SlackRequestVerifier(secret.get_secret_value(), container.clock)
        if not verifier.fresh(timestamp):
            return _text(401, "missing or stale X-Slack-Request-Timestamp")
        if not signature.startswith("v0=") or len(signature) > _SIGNATURE_MAX:
            return _text(401, "missing or malformed X-Slack-Signature")
        body = await request.body()
        if not verifier.valid(body, timestamp, signature):
            return _text(401, "invalid X-Slack-Signature")
        uow = container.uow_factory
        if await run_in_threadpool(already_handled, uow(), PROVIDER, signature):
            return _text(409, "this request was handled already")
        click = parse_click(body)
        if click is None:
            return _text(400, "not a Slack block action")
        if click:
            member, alert_id, action = click
            await run_in_threadpool(
                act_from_chat, uow(), container.clock, Channel.SLACK, member, alert_id, action
            )
        await run_in_threadpool(mark_handled, uow(), container.clock, PROVIDER, signature)
        return Response(status_code=200)

    return router


def parse_click(body: bytes) -> tuple[str, UUID, ChatAction] | tuple[()] | None:
    """(member id, alert id, action) of a click on one of pagerd's buttons; () for another
    interaction (ignored); None for a body that is not a Slack interaction."""
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        payload: Any = json.loads(form["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError):
        return None
    if not isinstance(payload, dict):
        return None
    actions = payload.get("actions")
    user = payload.get("user")
    if payload.get("type") != "block_actions" or not isinstance(actions, list) or not actions:
        return ()
    first = actions[0]
    if not isinstance(first, dict) or first.get("action_id") not in _ACTIONS:
        return ()
    member = user.get("id") if isinstance(user, dict) else None
    if not isinstance(member, str) or slack_member_problem(member) is not None:
        return None
    try:
        alert_id = UUID(str(first.get("value", "")))
    except ValueError:
        return None
    return member, alert_id, _ACTIONS[str(first["action_id"])]


def _text(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type="text/plain")
