"""Messages from providers handled once: a replayed Twilio reply (the same MessageSid)
changes nothing and is not answered again.

The id is remembered after the message is handled, not before: a crash in between at worst
handles a provider's retry again (acknowledging is idempotent), where remembering first
could drop a reply that was never acted on. Ids are kept for RETENTION, far longer than any
provider retries; older ones are deleted as new ones arrive (an indexed range delete).
"""

from __future__ import annotations

from datetime import timedelta

from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict

RETENTION = timedelta(days=30)


def already_handled(uow: UnitOfWork, provider: str, message_id: str) -> bool:
    """Whether the message with this provider id was handled before."""
    with uow:
        return uow.inbound_messages.seen(provider, message_id)


@retry_on_conflict
def mark_handled(uow: UnitOfWork, clock: Clock, provider: str, message_id: str) -> None:
    """Remember the message id (idempotent), and forget ids past their retention."""
    now = clock.now()
    with uow:
        uow.inbound_messages.remember(provider, message_id, now)
        uow.inbound_messages.delete_before(now - RETENTION)
        uow.commit()
