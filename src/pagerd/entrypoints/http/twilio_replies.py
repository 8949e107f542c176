"""SMS replies: `POST /integrations/twilio/sms`, Twilio's incoming-message webhook.

A reply `ACK 4821` (or `4821`) from the phone the code was sent to acknowledges the alert;
the answer is TwiML, which Twilio sends back as an SMS. Every request must carry a valid
`X-Twilio-Signature`: HMAC-SHA1, keyed by the auth token, over the URL Twilio called
(PAGERD_PUBLIC_URL plus the path and query) followed by every POST parameter, sorted by
name, as name then value; base64. Without it the answer is 403 and nothing changes.
A reply is handled once: a repeat of its `MessageSid` (a replay, or Twilio retrying) is
answered with an empty TwiML document, which sends nothing, and changes nothing.
"""

from __future__ import annotations

from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from pagerd.bootstrap import Container
from pagerd.entrypoints.http.twilio_signing import (
    TWIML,
    SignatureHeader,
    twilio_signature,
    twilio_signature_problem,
)
from pagerd.service_layer.ack_codes import CodeReply, ReplyOutcome, acknowledge_by_code
from pagerd.service_layer.inbound import already_handled, mark_handled

# `twilio_signature` lives in twilio_signing (voice callbacks use it too); still exported here.
__all__ = ["build_router", "reply_text", "twilio_signature", "twiml"]

PATH = "/integrations/twilio/sms"
PROVIDER = "twilio"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioMessageForm(BaseModel):
    """Twilio's form fields; the others are kept (they are part of the signature)."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"From": "+5492664295169", "Body": "ACK 4821", "MessageSid": "SM0123"}]
        },
    )

    from_number: str = Field("", alias="From", description="The number that replied (E.164).")
    body: str = Field(
        "", alias="Body", description="The reply: the code the page carried acknowledges."
    )
    message_sid: str = Field(
        "",
        alias="MessageSid",
        max_length=128,
        description="Twilio's id of the message; a repeat of one already handled is ignored.",
    )


def build_router(container: Container) -> APIRouter:
    """The Twilio reply webhook over `container`."""
    router = APIRouter(tags=["integrations"])

    @router.post(PATH, response_class=Response, responses={403: {"description": "bad signature"}})
    def receive_sms_reply(
        request: Request,
        form: Annotated[TwilioMessageForm, Form()],
        signature: SignatureHeader = "",
    ) -> Response:
        """Acknowledge the alert named by a reply code, and answer with TwiML."""
        params = {name: str(value) for name, value in form.model_dump(by_alias=True).items()}
        problem = twilio_signature_problem(container, request, params, signature)
        if problem is not None:
            return _forbidden(problem)
        sid = form.message_sid
        if sid and already_handled(container.uow_factory(), PROVIDER, sid):
            return Response(EMPTY_TWIML, media_type=TWIML)
        reply = acknowledge_by_code(
            container.uow_factory(), container.clock, form.body, form.from_number
        )
        if sid:
            mark_handled(container.uow_factory(), container.clock, PROVIDER, sid)
        return Response(twiml(reply_text(reply)), media_type=TWIML)

    return router


def _forbidden(reason: str) -> Response:
    return Response(reason, status_code=403, media_type="text/plain")


def twiml(text: str) -> str:
    """A TwiML document that answers with one SMS."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(text)}</Message></Response>"
    )


def reply_text(reply: CodeReply) -> str:
    """What pagerd answers to a reply."""
    if reply.outcome is ReplyOutcome.NOT_UNDERSTOOD:
        return "pagerd: reply ACK and the code of the page, for example ACK 4821."
    if reply.outcome is ReplyOutcome.UNKNOWN_CODE:
        return f"pagerd: code {reply.code} is unknown or expired. Use the link in the page."
    assert reply.alert is not None
    name = reply.service_name or "the service"
    if reply.outcome is ReplyOutcome.RESOLVED:
        return f"pagerd: {name} is already resolved; nothing to acknowledge."
    return f"pagerd: acknowledged {name} ({reply.alert.acknowledged_by})."
