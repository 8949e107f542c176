"""SMS acknowledgement codes: issued with a page ("Reply ACK 4821"), redeemed by a reply.

A code belongs to one (alert, phone number) and expires; among unexpired codes it is unique,
so a reply names exactly one alert. Only a reply from the phone the code was sent to counts.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pagerd.domain.ack_code import AckCode
from pagerd.domain.alert import Alert
from pagerd.domain.errors import AlertAlreadyResolved
from pagerd.service_layer.alerts import acknowledge
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

CODE_TTL = timedelta(hours=24)
# Four digits while they are free; longer codes only when many alerts are paging at once.
_CODE_WIDTHS = (4, 6, 8)
_TRIES_PER_WIDTH = 20
_REPLY = re.compile(r"^\s*(?:ACK\s*)?#?\s*(\d{4,8})\s*[.!]?\s*$", re.IGNORECASE)


def parse_ack_reply(body: str) -> str | None:
    """The code in a reply such as `ACK 4821`, `ack4821` or `4821`, or None."""
    match = _REPLY.match(body)
    return match.group(1) if match else None


@retry_on_conflict
def issue_ack_code(
    uow: UnitOfWork,
    clock: Clock,
    alert_id: UUID,
    address: str,
    ttl: timedelta = CODE_TTL,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> AckCode:
    """The code for (alert, phone): the one already issued if it has half its life left,
    otherwise a new one, unique among unexpired codes."""
    with uow:
        code = code_for(uow, clock.now(), alert_id, address, ttl, randbelow)
        uow.commit()
        return code


def code_for(
    uow: UnitOfWork,
    now: datetime,
    alert_id: UUID,
    address: str,
    ttl: timedelta = CODE_TTL,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> AckCode:
    """`issue_ack_code` inside the caller's unit of work (the claim of the page that
    carries the code): the caller commits."""
    existing = uow.ack_codes.find_for(alert_id, address, now)
    if existing is not None and existing.expires_at - now >= ttl / 2:
        return existing
    code = AckCode(_free_code(uow, now, randbelow), alert_id, address, now, now + ttl)
    uow.ack_codes.add(code)
    return code


def _free_code(uow: UnitOfWork, now: datetime, randbelow: Callable[[int], int]) -> str:
    for width in _CODE_WIDTHS:
        low = 10 ** (width - 1)  # no leading zero: people drop it when typing
        for _ in range(_TRIES_PER_WIDTH):
            candidate = str(low + randbelow(9 * low))
            if uow.ack_codes.find(candidate, now) is None:
                return candidate
    raise RuntimeError("no free acknowledgement code")  # 9e7 codes in use: not a real case


class ReplyOutcome(StrEnum):
    """What a reply did."""

    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    UNKNOWN_CODE = "unknown_code"
    NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class CodeReply:
    """The outcome of a reply, and the alert it was about when there was one."""

    outcome: ReplyOutcome
    code: str | None = None
    alert: Alert | None = None
    service_name: str | None = None


def acknowledge_by_code(uow: UnitOfWork, clock: Clock, body: str, from_address: str) -> CodeReply:
    """Acknowledge the alert whose unexpired code `body` names, if `from_address` got it.

    A code sent to another phone is answered like an unknown one: a reply reveals nothing
    about codes its sender was not given.
    """
    code = parse_ack_reply(body)
    if code is None:
        return CodeReply(ReplyOutcome.NOT_UNDERSTOOD)
    with uow:
        found = uow.ack_codes.find(code, clock.now())
        alert = uow.alerts.get(found.alert_id) if found is not None else None
        service = uow.services.get(alert.monitored_service_id) if alert is not None else None
    if found is None or alert is None or found.address != from_address:
        return CodeReply(ReplyOutcome.UNKNOWN_CODE, code)
    name = service.name if service is not None else None
    try:
        by = _sender_name(uow, alert.id, from_address) or f"{from_address} (SMS)"
        alert = acknowledge(uow, clock, alert.id, by=by)
    except AlertAlreadyResolved:
        return CodeReply(ReplyOutcome.RESOLVED, code, alert, name)
    except NotFound:
        return CodeReply(ReplyOutcome.UNKNOWN_CODE, code)
    return CodeReply(ReplyOutcome.ACKNOWLEDGED, code, alert, name)


def _sender_name(uow: UnitOfWork, alert_id: UUID, from_address: str) -> str | None:
    """The user whose contact method at `from_address` was paged for the alert, if any."""
    with uow:
        for page in uow.outbox.list_for_alert(alert_id):
            if page.address == from_address and page.user_id is not None:
                user = uow.users.get(page.user_id)
                return user.name if user is not None else None
    return None
