"""Users, console sessions and the audit log, on SQLAlchemy Core.

Statements are built once, at import, with named bind parameters (`p_...`), like the other
repositories; only paginated listings are built per call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.codec import user_from_row
from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import audit_log, console_sessions, users
from pagerd.domain.accounts import ConsoleSession, User
from pagerd.domain.audit import AuditEntry
from pagerd.domain.roles import Role
from pagerd.service_layer.ports import Cursor

_USER_INSERT = users.insert()
_USER_UPDATE = users.update().where(users.c.id == sa.bindparam("p_id"))
_USER_DELETE = users.delete().where(users.c.id == sa.bindparam("p_id"))
_USER_BY_ID = users.select().where(users.c.id == sa.bindparam("p_id"))
_USER_BY_ID_LOCKED = _USER_BY_ID.with_for_update()
_USER_BY_NAME = users.select().where(users.c.username == sa.bindparam("p_name"))
_USER_BY_EMAIL = users.select().where(users.c.email == sa.bindparam("p_email"))
_ENABLED_ADMINS = (
    sa.select(sa.func.count())
    .select_from(users)
    .where(users.c.role == Role.ADMIN.value, users.c.disabled == sa.false())
)


def _user_row(user: User) -> dict[str, Any]:
    return {
        "username": user.name,
        "email": user.email,
        "role": user.role.value,
        "time_zone": user.time_zone,
        "disabled": user.disabled,
        "password_hash": user.password_hash or "",  # the column's "no password"
    }


class SqlUserRepository:
    """Implements UserRepository; names and e-mails are unique (constraints)."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, user: User) -> None:
        self._db.execute(
            _USER_INSERT, {"id": user.id, "created_at": user.created_at, **_user_row(user)}
        )

    def update(self, user: User) -> None:
        self._db.execute(_USER_UPDATE, {"p_id": user.id, **_user_row(user)})

    def delete(self, user_id: UUID) -> None:
        self._db.execute(_USER_DELETE, {"p_id": user_id})

    def get(self, user_id: UUID) -> User | None:
        return self._first(_USER_BY_ID, {"p_id": user_id})

    def get_for_update(self, user_id: UUID) -> User | None:
        return self._first(self._db.pick(_USER_BY_ID, _USER_BY_ID_LOCKED), {"p_id": user_id})

    def get_by_name(self, name: str) -> User | None:
        return self._first(_USER_BY_NAME, {"p_name": name})

    def get_by_email(self, email: str) -> User | None:
        return self._first(_USER_BY_EMAIL, {"p_email": email})

    def list(self, limit: int, after: Cursor | None = None) -> list[User]:
        query = page(users.select(), users, limit, after, newest_first=False)
        return [user_from_row(row) for row in self._db.all(query)]

    def count_enabled_admins(self) -> int:
        found: int = self._db.execute(_ENABLED_ADMINS).scalar_one()
        return found

    def _first(self, query: sa.Select[Any], params: dict[str, Any]) -> User | None:
        row = self._db.one_or_none(query, params)
        return user_from_row(row) if row is not None else None


_SESSION_INSERT = console_sessions.insert()
_SESSION_BY_HASH = console_sessions.select().where(
    console_sessions.c.secret_hash == sa.bindparam("p_hash")
)
_SESSION_DELETE = console_sessions.delete().where(
    console_sessions.c.secret_hash == sa.bindparam("p_hash")
)
_SESSIONS_OF_USER_DELETE = console_sessions.delete().where(
    console_sessions.c.user_id == sa.bindparam("p_user_id")
)
_EXPIRED_OF_USER_DELETE = console_sessions.delete().where(
    console_sessions.c.user_id == sa.bindparam("p_user_id"),
    console_sessions.c.expires_at <= sa.bindparam("p_now"),
)


class SqlSessionRepository:
    """Implements SessionRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, session: ConsoleSession) -> None:
        self._db.execute(
            _SESSION_INSERT,
            {
                "secret_hash": session.secret_hash,
                "user_id": session.user_id,
                "created_at": session.created_at,
                "expires_at": session.expires_at,
            },
        )

    def get(self, secret_hash: str) -> ConsoleSession | None:
        row = self._db.one_or_none(_SESSION_BY_HASH, {"p_hash": secret_hash})
        if row is None:
            return None
        return ConsoleSession(
            secret_hash=row["secret_hash"],
            user_id=row["user_id"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
        )

    def delete(self, secret_hash: str) -> None:
        self._db.execute(_SESSION_DELETE, {"p_hash": secret_hash})

    def delete_for_user(self, user_id: UUID) -> int:
        return self._db.execute(_SESSIONS_OF_USER_DELETE, {"p_user_id": user_id}).rowcount

    def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None:
        self._db.execute(_EXPIRED_OF_USER_DELETE, {"p_user_id": user_id, "p_now": now})


_AUDIT_INSERT = audit_log.insert()


class SqlAuditLogRepository:
    """Implements AuditLogRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, entry: AuditEntry) -> None:
        self._db.execute(
            _AUDIT_INSERT,
            {
                "id": entry.id,
                "created_at": entry.created_at,
                "actor_id": entry.actor_id,
                "actor_name": entry.actor_name,
                "action": entry.action,
                "subject_id": entry.subject_id,
                "before": entry.before,
                "after": entry.after,
            },
        )

    def list(self, limit: int, after: Cursor | None = None) -> list[AuditEntry]:
        query = page(audit_log.select(), audit_log, limit, after, newest_first=True)
        return [
            AuditEntry(
                id=row["id"],
                created_at=row["created_at"],
                actor_id=row["actor_id"],
                actor_name=row["actor_name"],
                action=row["action"],
                subject_id=row["subject_id"],
                before=row["before"],
                after=row["after"],
            )
            for row in self._db.all(query)
        ]
