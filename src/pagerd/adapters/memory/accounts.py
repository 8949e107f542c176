"""In-memory repositories of tokens, settings, the dev outbox and SMS codes."""

from __future__ import annotations

import copy
from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import StoreState
from pagerd.domain.accounts import ApiToken
from pagerd.domain.ack_code import AckCode
from pagerd.domain.dev_outbox import DevMessage
from pagerd.service_layer.ports import Cursor


class InMemoryTokenRepository:
    """API tokens."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, token: ApiToken) -> None:
        self._s.tokens[token.id] = copy.deepcopy(token)

    def update(self, token: ApiToken) -> None:
        self._s.tokens[token.id] = copy.deepcopy(token)

    def get(self, token_id: UUID) -> ApiToken | None:
        return copy.deepcopy(self._s.tokens.get(token_id))

    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        found = [t for t in self._s.tokens.values() if t.token_hash == token_hash]
        return copy.deepcopy(found[0]) if found else None

    def list(self) -> list[ApiToken]:
        ordered = sorted(self._s.tokens.values(), key=lambda t: (t.created_at, str(t.id)))
        return copy.deepcopy(ordered)


class InMemorySettingRepository:
    """Key-value settings."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def get(self, key: str) -> str | None:
        return self._s.settings.get(key)

    def put_if_absent(self, key: str, value: str) -> str:
        return self._s.settings.setdefault(key, value)


class InMemoryDevOutboxRepository:
    """The dev outbox."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, message: DevMessage) -> None:
        self._s.dev_outbox.append(message)

    def list(self, limit: int, after: Cursor | None = None) -> list[DevMessage]:
        ordered = sorted(self._s.dev_outbox, key=lambda m: (m.created_at, str(m.id)), reverse=True)
        if after is not None:
            mark = (after[0], str(after[1]))
            ordered = [m for m in ordered if (m.created_at, str(m.id)) < mark]
        return ordered[:limit]


class InMemoryAckCodeRepository:
    """SMS acknowledgement codes."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def add(self, code: AckCode) -> None:
        self._s.ack_codes.append(code)

    def find(self, code: str, now: datetime) -> AckCode | None:
        return next((c for c in self._s.ack_codes if c.code == code and c.expires_at > now), None)

    def find_for(self, alert_id: UUID, address: str, now: datetime) -> AckCode | None:
        return next(
            (
                c
                for c in self._s.ack_codes
                if c.alert_id == alert_id and c.address == address and c.expires_at > now
            ),
            None,
        )
