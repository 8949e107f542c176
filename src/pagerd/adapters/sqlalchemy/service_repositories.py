"""Monitored services and their escalation policies, on SQLAlchemy Core."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.codec import levels_to_json, policy_from_row, service_from_row
from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import policies, services
from pagerd.domain.policy import EscalationPolicy
from pagerd.domain.service import MonitoredService
from pagerd.service_layer.ports import Cursor


class SqlServiceRepository:
    """Implements ServiceRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, service: MonitoredService) -> None:
        self._db.execute(
            services.insert().values(
                id=service.id,
                name=service.name,
                integration_key=service.integration_key,
                status=service.status.value,
                created_at=service.created_at,
            )
        )

    def get(self, service_id: UUID) -> MonitoredService | None:
        return self._first(services.select().where(services.c.id == service_id))

    def get_for_update(self, service_id: UUID) -> MonitoredService | None:
        query = services.select().where(services.c.id == service_id)
        return self._first(self._db.for_update(query))

    def get_by_integration_key(self, integration_key: str) -> MonitoredService | None:
        return self._first(services.select().where(services.c.integration_key == integration_key))

    def get_by_name(self, name: str) -> MonitoredService | None:
        return self._first(services.select().where(services.c.name == name))

    def update(self, service: MonitoredService) -> None:
        self._db.execute(
            services.update()
            .where(services.c.id == service.id)
            .values(name=service.name, status=service.status.value)
        )

    def delete(self, service_id: UUID) -> None:
        self._db.execute(services.delete().where(services.c.id == service_id))

    def list(self, limit: int, after: Cursor | None = None) -> list[MonitoredService]:
        query = page(services.select(), services, limit, after, newest_first=False)
        return [service_from_row(row) for row in self._db.all(query)]

    def _first(self, query: sa.Select[tuple[object, ...]]) -> MonitoredService | None:
        row = self._db.one_or_none(query)
        return service_from_row(row) if row is not None else None


class SqlPolicyRepository:
    """Implements PolicyRepository: one policy per service (a unique column)."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def get_for_service(self, service_id: UUID) -> EscalationPolicy | None:
        row = self._db.one_or_none(
            policies.select().where(policies.c.monitored_service_id == service_id)
        )
        return policy_from_row(row) if row is not None else None

    def save(self, policy: EscalationPolicy) -> None:
        # Replace whole: callers hold the service's lock, so nobody saves in between.
        self.delete_for_service(policy.monitored_service_id)
        self._db.execute(
            policies.insert().values(
                id=policy.id,
                monitored_service_id=policy.monitored_service_id,
                repeat=policy.repeat,
                levels=levels_to_json(policy.levels),
            )
        )

    def delete_for_service(self, service_id: UUID) -> None:
        self._db.execute(policies.delete().where(policies.c.monitored_service_id == service_id))
