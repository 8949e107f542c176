"""Tokens, users, settings, the dev outbox and SMS acknowledgement codes, on SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pagerd.adapters.sqlalchemy.codec import (
    ack_code_from_row,
    dev_message_from_row,
    token_from_row,
    user_from_row,
)
from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import ack_codes, api_tokens, dev_outbox, settings, users
from pagerd.domain.accounts import ApiToken, User
from pagerd.domain.ack_code import AckCode
from pagerd.domain.dev_outbox import DevMessage
from pagerd.service_layer.ports import Cursor


class SqlTokenRepository:
    """Implements TokenRepository; token hashes are unique."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, token: ApiToken) -> None:
        self._db.execute(api_tokens.insert().values(_token_row(token)))

    def update(self, token: ApiToken) -> None:
        values = _token_row(token)
        del values["id"]
        self._db.execute(api_tokens.update().where(api_tokens.c.id == token.id).values(values))

    def get(self, token_id: UUID) -> ApiToken | None:
        return self._first(api_tokens.c.id == token_id)

    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return self._first(api_tokens.c.token_hash == token_hash)

    def list(self) -> list[ApiToken]:
        query = api_tokens.select().order_by(api_tokens.c.created_at, api_tokens.c.id)
        return [token_from_row(row) for row in self._db.all(query)]

    def _first(self, condition: sa.ColumnElement[bool]) -> ApiToken | None:
        row = self._db.one_or_none(api_tokens.select().where(condition))
        return token_from_row(row) if row is not None else None


def _token_row(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "token_hash": token.token_hash,
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
    }


class SqlUserRepository:
    """Implements UserRepository; usernames are unique."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, user: User) -> None:
        self._db.execute(
            users.insert().values(
                id=user.id,
                username=user.username,
                password_hash=user.password_hash,
                created_at=user.created_at,
            )
        )

    def update(self, user: User) -> None:
        self._db.execute(
            users.update()
            .where(users.c.id == user.id)
            .values(username=user.username, password_hash=user.password_hash)
        )

    def get(self, user_id: UUID) -> User | None:
        return self._first(users.c.id == user_id)

    def get_by_username(self, username: str) -> User | None:
        return self._first(users.c.username == username)

    def list(self) -> list[User]:
        query = users.select().order_by(users.c.created_at, users.c.id)
        return [user_from_row(row) for row in self._db.all(query)]

    def _first(self, condition: sa.ColumnElement[bool]) -> User | None:
        row = self._db.one_or_none(users.select().where(condition))
        return user_from_row(row) if row is not None else None


class SqlSettingRepository:
    """Implements SettingRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def get(self, key: str) -> str | None:
        value: str | None = self._db.execute(
            sa.select(settings.c.value).where(settings.c.key == key)
        ).scalar()
        return value

    def put_if_absent(self, key: str, value: str) -> str:
        # INSERT ... ON CONFLICT DO NOTHING: two first starts racing both read the winner's.
        dialect = postgresql if self._db.is_postgres else sqlite
        self._db.execute(
            dialect.insert(settings).values(key=key, value=value).on_conflict_do_nothing()
        )
        stored = self.get(key)
        assert stored is not None  # just inserted, or already there
        return stored


class SqlDevOutboxRepository:
    """Implements DevOutboxRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, message: DevMessage) -> None:
        self._db.execute(
            dev_outbox.insert().values(
                id=message.id,
                channel=message.channel.value,
                address=message.address,
                subject=message.subject,
                body=message.body,
                idempotency_key=message.idempotency_key,
                created_at=message.created_at,
            )
        )

    def list(self, limit: int, after: Cursor | None = None) -> list[DevMessage]:
        query = page(dev_outbox.select(), dev_outbox, limit, after, newest_first=True)
        return [dev_message_from_row(row) for row in self._db.all(query)]


class SqlAckCodeRepository:
    """Implements AckCodeRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, code: AckCode) -> None:
        self._db.execute(
            ack_codes.insert().values(
                code=code.code,
                alert_id=code.alert_id,
                address=code.address,
                created_at=code.created_at,
                expires_at=code.expires_at,
            )
        )

    def find(self, code: str, now: datetime) -> AckCode | None:
        return self._first(ack_codes.c.code == code, ack_codes.c.expires_at > now)

    def find_for(self, alert_id: UUID, address: str, now: datetime) -> AckCode | None:
        return self._first(
            ack_codes.c.alert_id == alert_id,
            ack_codes.c.address == address,
            ack_codes.c.expires_at > now,
        )

    def _first(self, *conditions: sa.ColumnElement[bool]) -> AckCode | None:
        query = ack_codes.select().where(*conditions).order_by(ack_codes.c.id).limit(1)
        row = self._db.one_or_none(query)
        return ack_code_from_row(row) if row is not None else None
