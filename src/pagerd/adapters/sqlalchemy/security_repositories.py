"""Retired integration keys and inbound message ids, on SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import inbound_messages, retired_integration_keys

_RETIRED = retired_integration_keys
_RETIRE = _RETIRED.insert()
_SERVICE_OF_KEY = sa.select(_RETIRED.c.monitored_service_id).where(
    _RETIRED.c.integration_key == sa.bindparam("p_key"),
    _RETIRED.c.expires_at > sa.bindparam("p_now"),
)
_EXPIRY_OF_SERVICE = sa.select(sa.func.max(_RETIRED.c.expires_at).label("until")).where(
    _RETIRED.c.monitored_service_id == sa.bindparam("p_service_id"),
    _RETIRED.c.expires_at > sa.bindparam("p_now"),
)
_DELETE_EXPIRED = _RETIRED.delete().where(_RETIRED.c.expires_at <= sa.bindparam("p_now"))

_SEEN = sa.select(inbound_messages.c.provider).where(
    inbound_messages.c.provider == sa.bindparam("p_provider"),
    inbound_messages.c.message_id == sa.bindparam("p_message_id"),
)
_REMEMBER_PG = postgresql.insert(inbound_messages).on_conflict_do_nothing()
_REMEMBER = sqlite.insert(inbound_messages).on_conflict_do_nothing()
_DELETE_BEFORE = inbound_messages.delete().where(
    inbound_messages.c.received_at < sa.bindparam("p_cutoff")
)


class SqlRetiredKeyRepository:
    """Implements RetiredKeyRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def retire(self, integration_key: str, service_id: UUID, expires_at: datetime) -> None:
        self._db.execute(
            _RETIRE,
            {
                "integration_key": integration_key,
                "monitored_service_id": service_id,
                "expires_at": expires_at,
            },
        )

    def service_id_for(self, integration_key: str, now: datetime) -> UUID | None:
        row = self._db.one_or_none(_SERVICE_OF_KEY, {"p_key": integration_key, "p_now": now})
        return row["monitored_service_id"] if row is not None else None

    def expiry_for_service(self, service_id: UUID, now: datetime) -> datetime | None:
        params = {"p_service_id": service_id, "p_now": now}
        row = self._db.one_or_none(_EXPIRY_OF_SERVICE, params)
        return row["until"] if row is not None else None

    def delete_expired(self, now: datetime) -> None:
        self._db.execute(_DELETE_EXPIRED, {"p_now": now})


class SqlInboundMessageRepository:
    """Implements InboundMessageRepository; `remember` ignores an id already stored."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def seen(self, provider: str, message_id: str) -> bool:
        params = {"p_provider": provider, "p_message_id": message_id}
        return self._db.one_or_none(_SEEN, params) is not None

    def remember(self, provider: str, message_id: str, now: datetime) -> None:
        values = {"provider": provider, "message_id": message_id, "received_at": now}
        self._db.execute(_REMEMBER_PG if self._db.is_postgres else _REMEMBER, values)

    def delete_before(self, cutoff: datetime) -> None:
        self._db.execute(_DELETE_BEFORE, {"p_cutoff": cutoff})
