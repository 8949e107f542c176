"""Voice calls: what a keypress means, what a finished call means, and when to call again.

A call is placed through the provider (Twilio) and counts as delivered once the provider
accepts it; whether somebody picked up is learnt later, from the call's status callback.
A call nobody answered (no answer, busy, failed, cancelled, or a voicemail) is a failed
attempt: the page is due again after CALL_RETRY_DELAY, up to MAX_CALL_ATTEMPTS calls, then
it fails for good and its level fails over like any level whose every page failed.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

MAX_CALL_ATTEMPTS = 3
"""Calls placed for one page before it fails for good (its level then fails over)."""

CALL_RETRY_DELAY = timedelta(minutes=1)
"""Wait after an unanswered call: long enough to reach the phone, well inside the
default 15-minute acknowledgement timeout."""

# Twilio's final CallStatus values. `completed` means somebody (or something) picked up.
_UNANSWERED_STATUSES = frozenset({"no-answer", "busy", "failed", "canceled"})
# AnsweredBy values of answering-machine detection that are not a person.
_MACHINE_PREFIX = "machine"
_FAX = "fax"
_HUMAN = "human"


class KeyPress(StrEnum):
    """What the person on the call asked for."""

    ACKNOWLEDGE = "acknowledge"
    ESCALATE = "escalate"
    UNKNOWN = "unknown"


def key_press(digits: str) -> KeyPress:
    """`1` acknowledges, `2` escalates; anything else (nothing, `*`, `9`) is unknown."""
    return {"1": KeyPress.ACKNOWLEDGE, "2": KeyPress.ESCALATE}.get(digits.strip(), KeyPress.UNKNOWN)


class CallOutcome(StrEnum):
    """How a finished call went, for paging."""

    ANSWERED = "answered"
    UNANSWERED = "unanswered"
    IN_PROGRESS = "in_progress"


def call_outcome(call_status: str, answered_by: str = "") -> CallOutcome:
    """Classify a status callback: `CallStatus`, and `AnsweredBy` when answering-machine
    detection reported (its own callback may come before the call ends, without a final
    status). A call taken by an answering machine or a fax counts as unanswered: nobody
    heard it; one a person took is answered. Statuses that are not final (queued, ringing,
    in-progress) with no verdict on who answered are IN_PROGRESS."""
    status = call_status.strip().lower()
    who = answered_by.strip().lower()
    if who.startswith(_MACHINE_PREFIX) or who == _FAX:
        return CallOutcome.UNANSWERED
    if who == _HUMAN or status == "completed":
        return CallOutcome.ANSWERED
    if status in _UNANSWERED_STATUSES:
        return CallOutcome.UNANSWERED
    return CallOutcome.IN_PROGRESS


def unanswered_reason(call_status: str, answered_by: str = "") -> str:
    """The error a page records for an unanswered call, for a person."""
    who = answered_by.strip().lower()
    if who.startswith(_MACHINE_PREFIX) or who == _FAX:
        return f"the call was answered by {who.replace('_', ' ')}, not a person"
    return f"the call ended {call_status.strip().lower() or 'unanswered'}"
