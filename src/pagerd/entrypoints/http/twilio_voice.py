"""Voice call callbacks from Twilio: the key pressed, and how the call ended.

- `POST /integrations/twilio/voice/gather?n=<ids>`: the Gather's action. `Digits=1`
  acknowledges the call's alerts (attributed to the user the call was for), `Digits=2`
  escalates them now; the answer is TwiML that says what happened.
- `POST /integrations/twilio/voice/status?n=<ids>`: the status callback and the
  answering-machine verdict. No answer, busy, failed or a voicemail counts as a failed
  attempt of the call's pages (retried, then the level fails over).

Every request must carry a valid `X-Twilio-Signature` (see twilio_signing): otherwise 403
and nothing changes. A callback is acted on once per call (its `CallSid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from pagerd.adapters.channels.twiml import gather_again_twiml, say_twiml
from pagerd.adapters.channels.voice_urls import GATHER_PATH, IDS_PARAMETER, STATUS_PATH, parse_ids
from pagerd.bootstrap import Container
from pagerd.domain.channels import Channel
from pagerd.domain.voice_call import KeyPress
from pagerd.entrypoints.http.twilio_signing import (
    TWIML,
    SignatureHeader,
    twilio_signature_problem,
)
from pagerd.service_layer.voice_calls import KeyPressResult, press_key, record_call_status


class TwilioCallForm(BaseModel):
    """Twilio's form fields of a call callback; the others are kept (they are signed)."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"CallSid": "CA0123", "CallStatus": "no-answer", "Digits": "1"}]
        },
    )

    call_sid: str = Field("", alias="CallSid", max_length=64, description="Twilio's call id.")
    digits: str = Field("", alias="Digits", max_length=32, description="The key pressed.")
    call_status: str = Field(
        "", alias="CallStatus", max_length=32, description="completed, no-answer, busy, failed..."
    )
    answered_by: str = Field(
        "",
        alias="AnsweredBy",
        max_length=32,
        description="Answering-machine detection: human, machine_start, fax, unknown.",
    )


def build_router(container: Container) -> APIRouter:
    """The voice callbacks over `container`."""
    router = APIRouter(tags=["integrations"])
    answers: dict[int | str, dict[str, Any]] = {
        403: {"description": "bad signature"},
        400: {"description": "bad call ids"},
    }

    @router.post(GATHER_PATH, response_class=Response, responses=answers)
    def receive_keypress(
        request: Request, form: Annotated[TwilioCallForm, Form()], signature: SignatureHeader = ""
    ) -> Response:
        """Act on the key pressed during a page call, and answer with TwiML."""
        ids = _checked(container, request, form, signature)
        if isinstance(ids, Response):
            return ids
        result = press_key(
            container.uow_factory(), container.clock, ids, form.digits, form.call_sid
        )
        if result.key is KeyPress.UNKNOWN:
            url = f"{container.public_url.rstrip('/')}{GATHER_PATH}?{request.url.query}"
            return Response(gather_again_twiml(url), media_type=TWIML)
        return Response(say_twiml(keypress_words(result)), media_type=TWIML)

    @router.post(STATUS_PATH, status_code=204, response_class=Response, responses=answers)
    def receive_call_status(
        request: Request, form: Annotated[TwilioCallForm, Form()], signature: SignatureHeader = ""
    ) -> Response:
        """Record how a page call ended: unanswered calls are failed attempts."""
        ids = _checked(container, request, form, signature)
        if isinstance(ids, Response):
            return ids
        result = record_call_status(
            container.uow_factory(),
            container.clock,
            ids,
            form.call_sid,
            form.call_status,
            form.answered_by,
        )
        if not result.repeated and result.outcome.value != "in_progress":
            container.observer.call_finished(
                Channel.VOICE.value, result.outcome.value, len(result.retried), len(result.failed)
            )
        return Response(status_code=204)

    return router


def _checked(
    container: Container, request: Request, form: TwilioCallForm, signature: str
) -> Sequence[UUID] | Response:
    """The call's notification ids, or the refusal to answer."""
    params = {k: str(v) for k, v in form.model_dump(by_alias=True, exclude_unset=True).items()}
    problem = twilio_signature_problem(container, request, params, signature)
    if problem is not None:
        return Response(problem, status_code=403, media_type="text/plain")
    ids = parse_ids(request.query_params.get(IDS_PARAMETER, ""))
    if ids is None:
        return Response("bad notification ids", status_code=400, media_type="text/plain")
    return ids


def keypress_words(result: KeyPressResult) -> str:
    """What the caller hears after pressing a key."""
    if result.key is KeyPress.ACKNOWLEDGE:
        if result.changed or result.repeated:
            return "Acknowledged. Escalation has stopped. Goodbye."
        return "Nothing to acknowledge: the alert was already acknowledged or resolved. Goodbye."
    if result.changed or result.repeated:
        return "Escalated: the next level is being paged now. Goodbye."
    return "Nothing to escalate: the alert moved on, or no level is left. Goodbye."
