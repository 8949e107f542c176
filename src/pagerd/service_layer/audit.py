"""Writing the audit log: one call inside the use case's unit of work.

    record_audit(uow, clock, actor, "service.deleted", service.id, before=service)

The entry commits with the change it describes, or not at all. `before` and `after` take a
domain object (a dataclass) or a dict; `snapshot` makes it JSON-friendly and leaves secrets
out, so nobody can read a password hash or an integration key in the log.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from pagerd.domain.audit import AuditEntry
from pagerd.domain.roles import Actor
from pagerd.service_layer.ports import Clock, UnitOfWork

SECRET_FIELDS = frozenset({"password_hash", "token_hash", "integration_key", "secret_hash"})
"""Fields never written to the audit log, whatever object they belong to."""


def record_audit(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    action: str,
    subject_id: UUID | str | None,
    *,
    before: object = None,
    after: object = None,
) -> AuditEntry:
    """Add an entry to the audit log in `uow`'s transaction (the caller commits).

    `action` is `<subject type>.<past-tense verb>`, such as `user.created`.
    """
    entry = AuditEntry(
        id=uuid4(),
        created_at=clock.now(),
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        subject_id=str(subject_id) if subject_id is not None else None,
        before=snapshot(before),
        after=snapshot(after),
    )
    uow.audit_log.add(entry)
    return entry


def snapshot(thing: object) -> dict[str, Any] | None:
    """`thing` (a dataclass or a dict) as a JSON-friendly dict without secret fields."""
    if thing is None:
        return None
    if dataclasses.is_dataclass(thing) and not isinstance(thing, type):
        thing = {f.name: getattr(thing, f.name) for f in dataclasses.fields(thing)}
    if not isinstance(thing, dict):
        raise TypeError(f"cannot audit a {type(thing).__name__}")
    found = _plain(thing)
    assert isinstance(found, dict)
    return found


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value
