"""Tokens, settings, the dev outbox and SMS acknowledgement codes, on SQLAlchemy Core.

Statements are built once, at import, with named bind parameters (`p_...`, never a column's
name) and run with a params dict, so SQLAlchemy reuses their cache keys (see
queue_repositories). Only the dev outbox's paginated listing is built per call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pagerd.adapters.sqlalchemy.codec import ack_code_from_row, dev_message_from_row, token_from_row
from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import ack_codes, api_tokens, dev_outbox, settings
from pagerd.domain.accounts import ApiToken
from pagerd.domain.ack_code import AckCode
from pagerd.domain.dev_outbox import DevMessage
from pagerd.service_layer.ports import Cursor

_TOKEN_INSERT = api_tokens.insert()
# The SET clause is the columns of `_token_row` but the id, passed by name with the id.
_TOKEN_UPDATE = api_tokens.update().where(api_tokens.c.id == sa.bindparam("p_id"))
_TOKEN_BY_ID = api_tokens.select().where(api_tokens.c.id == sa.bindparam("p_id"))
_TOKEN_BY_HASH = api_tokens.select().where(api_tokens.c.token_hash == sa.bindparam("p_hash"))
_TOKENS = api_tokens.select().order_by(api_tokens.c.created_at, api_tokens.c.id)


class SqlTokenRepository:
    """Implements TokenRepository; token hashes are unique."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, token: ApiToken) -> None:
        self._db.execute(_TOKEN_INSERT, _token_row(token))

    def update(self, token: ApiToken) -> None:
        values = _token_row(token)
        values["p_id"] = values.pop("id")
        self._db.execute(_TOKEN_UPDATE, values)

    def get(self, token_id: UUID) -> ApiToken | None:
        return self._first(_TOKEN_BY_ID, {"p_id": token_id})

    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return self._first(_TOKEN_BY_HASH, {"p_hash": token_hash})

    def list(self) -> list[ApiToken]:
        return [token_from_row(row) for row in self._db.all(_TOKENS)]

    def _first(self, query: sa.Select[Any], params: dict[str, Any]) -> ApiToken | None:
        row = self._db.one_or_none(query, params)
        return token_from_row(row) if row is not None else None


def _token_row(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "token_hash": token.token_hash,
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
        "user_id": token.user_id,
    }


_SETTING_VALUE = sa.select(settings.c.value).where(settings.c.key == sa.bindparam("p_key"))
# INSERT ... ON CONFLICT DO NOTHING: two first starts racing both read the winner's.
_SETTING_INSERT_IF_ABSENT_PG = postgresql.insert(settings).on_conflict_do_nothing()
_SETTING_INSERT_IF_ABSENT = sqlite.insert(settings).on_conflict_do_nothing()


class SqlSettingRepository:
    """Implements SettingRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def get(self, key: str) -> str | None:
        value: str | None = self._db.execute(_SETTING_VALUE, {"p_key": key}).scalar()
        return value

    def put_if_absent(self, key: str, value: str) -> str:
        pg = self._db.is_postgres
        statement = _SETTING_INSERT_IF_ABSENT_PG if pg else _SETTING_INSERT_IF_ABSENT
        self._db.execute(statement, {"key": key, "value": value})
        stored = self.get(key)
        assert stored is not None  # just inserted, or already there
        return stored


_DEV_MESSAGE_INSERT = dev_outbox.insert()


class SqlDevOutboxRepository:
    """Implements DevOutboxRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, message: DevMessage) -> None:
        self._db.execute(
            _DEV_MESSAGE_INSERT,
            {
                "id": message.id,
                "channel": message.channel.value,
                "address": message.address,
                "subject": message.subject,
                "body": message.body,
                "idempotency_key": message.idempotency_key,
                "created_at": message.created_at,
            },
        )

    def list(self, limit: int, after: Cursor | None = None) -> list[DevMessage]:
        query = page(dev_outbox.select(), dev_outbox, limit, after, newest_first=True)
        return [dev_message_from_row(row) for row in self._db.all(query)]


_ACK_CODE_INSERT = ack_codes.insert()
_UNEXPIRED = ack_codes.c.expires_at > sa.bindparam("p_now")
_ACK_CODE_BY_CODE = (
    ack_codes.select()
    .where(ack_codes.c.code == sa.bindparam("p_code"), _UNEXPIRED)
    .order_by(ack_codes.c.id)
    .limit(1)
)
_ACK_CODE_FOR = (
    ack_codes.select()
    .where(
        ack_codes.c.alert_id == sa.bindparam("p_alert_id"),
        ack_codes.c.address == sa.bindparam("p_address"),
        _UNEXPIRED,
    )
    .order_by(ack_codes.c.id)
    .limit(1)
)


class SqlAckCodeRepository:
    """Implements AckCodeRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, code: AckCode) -> None:
        self._db.execute(
            _ACK_CODE_INSERT,
            {
                "code": code.code,
                "alert_id": code.alert_id,
                "address": code.address,
                "created_at": code.created_at,
                "expires_at": code.expires_at,
            },
        )

    def find(self, code: str, now: datetime) -> AckCode | None:
        return self._first(_ACK_CODE_BY_CODE, {"p_code": code, "p_now": now})

    def find_for(self, alert_id: UUID, address: str, now: datetime) -> AckCode | None:
        params = {"p_alert_id": alert_id, "p_address": address, "p_now": now}
        return self._first(_ACK_CODE_FOR, params)

    def _first(self, query: sa.Select[Any], params: dict[str, Any]) -> AckCode | None:
        row = self._db.one_or_none(query, params)
        return ack_code_from_row(row) if row is not None else None
