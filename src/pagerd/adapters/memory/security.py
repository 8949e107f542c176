"""Retired integration keys and inbound message ids, in memory."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pagerd.adapters.memory.store import StoreState


class InMemoryRetiredKeyRepository:
    """Implements RetiredKeyRepository."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def retire(self, integration_key: str, service_id: UUID, expires_at: datetime) -> None:
        self._s.retired_keys[integration_key] = (service_id, expires_at)

    def service_id_for(self, integration_key: str, now: datetime) -> UUID | None:
        found = self._s.retired_keys.get(integration_key)
        if found is None or found[1] <= now or found[0] not in self._s.services:
            return None
        return found[0]

    def expiry_for_service(self, service_id: UUID, now: datetime) -> datetime | None:
        expiries = [e for s, e in self._s.retired_keys.values() if s == service_id and e > now]
        return max(expiries, default=None)

    def delete_expired(self, now: datetime) -> None:
        for key, (_, expires_at) in list(self._s.retired_keys.items()):
            if expires_at <= now:
                del self._s.retired_keys[key]


class InMemoryInboundMessageRepository:
    """Implements InboundMessageRepository."""

    def __init__(self, state: StoreState) -> None:
        self._s = state

    def seen(self, provider: str, message_id: str) -> bool:
        return (provider, message_id) in self._s.inbound_messages

    def remember(self, provider: str, message_id: str, now: datetime) -> None:
        self._s.inbound_messages.setdefault((provider, message_id), now)

    def delete_before(self, cutoff: datetime) -> None:
        for key, received_at in list(self._s.inbound_messages.items()):
            if received_at < cutoff:
                del self._s.inbound_messages[key]
