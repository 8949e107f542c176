"""In-memory repositories of users, console sessions and the audit log."""

from __future__ import annotations

import copy
from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import StoreState
from pagerd.domain.accounts import ConsoleSession, User
from pagerd.domain.audit import AuditEntry
from pagerd.domain.roles import Role
from pagerd.service_layer.ports import Cursor


class InMemoryUserRepository:
    """Users. Deleting one deletes their tokens and sessions, as the schema's cascades do."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, user: User) -> None:
        self._s.users[user.id] = copy.deepcopy(user)

    def update(self, user: User) -> None:
        self._s.users[user.id] = copy.deepcopy(user)

    def delete(self, user_id: UUID) -> None:
        self._s.users.pop(user_id, None)
        self._s.tokens = {k: t for k, t in self._s.tokens.items() if t.user_id != user_id}
        self._s.sessions = {k: s for k, s in self._s.sessions.items() if s.user_id != user_id}

    def get(self, user_id: UUID) -> User | None:
        return copy.deepcopy(self._s.users.get(user_id))

    def get_for_update(self, user_id: UUID) -> User | None:
        return self.get(user_id)

    def get_by_name(self, name: str) -> User | None:
        found = [u for u in self._s.users.values() if u.name == name]
        return copy.deepcopy(found[0]) if found else None

    def get_by_email(self, email: str) -> User | None:
        found = [u for u in self._s.users.values() if u.email == email]
        return copy.deepcopy(found[0]) if found else None

    def list(self, limit: int, after: Cursor | None = None) -> list[User]:
        ordered = sorted(self._s.users.values(), key=lambda u: (u.created_at, str(u.id)))
        if after is not None:
            mark = (after[0], str(after[1]))
            ordered = [u for u in ordered if (u.created_at, str(u.id)) > mark]
        return copy.deepcopy(ordered[:limit])

    def count_enabled_admins(self) -> int:
        return sum(1 for u in self._s.users.values() if u.role is Role.ADMIN and not u.disabled)


class InMemorySessionRepository:
    """Console sessions."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, session: ConsoleSession) -> None:
        self._s.sessions[session.secret_hash] = session

    def get(self, secret_hash: str) -> ConsoleSession | None:
        return self._s.sessions.get(secret_hash)

    def delete(self, secret_hash: str) -> None:
        self._s.sessions.pop(secret_hash, None)

    def delete_for_user(self, user_id: UUID) -> int:
        mine = [k for k, s in self._s.sessions.items() if s.user_id == user_id]
        for key in mine:
            del self._s.sessions[key]
        return len(mine)

    def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None:
        self._s.sessions = {
            k: s for k, s in self._s.sessions.items() if s.user_id != user_id or s.expires_at > now
        }


class InMemoryAuditLogRepository:
    """The audit log."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, entry: AuditEntry) -> None:
        self._s.audit_log.append(entry)

    def list(self, limit: int, after: Cursor | None = None) -> list[AuditEntry]:
        ordered = sorted(self._s.audit_log, key=lambda e: (e.created_at, str(e.id)), reverse=True)
        if after is not None:
            mark = (after[0], str(after[1]))
            ordered = [e for e in ordered if (e.created_at, str(e.id)) < mark]
        return ordered[:limit]
