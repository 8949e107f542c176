"""Monitored services and their escalation policies, on SQLAlchemy Core."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.codec import levels_to_json, policy_from_row, service_from_row
from pagerd.adapters.sqlalchemy.pagination import page
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import policies, services
from pagerd.domain.policy import EscalationPolicy
from pagerd.domain.service import MonitoredService
from pagerd.service_layer.ports import Cursor

# Statements built once, executed with a params dict (see alert_repositories.py). Bind
# parameter names differ from column names ("p_...").
_INSERT_SERVICE = services.insert()
_SERVICE_BY_ID = services.select().where(services.c.id == sa.bindparam("p_id"))
_SERVICE_BY_ID_LOCKED = _SERVICE_BY_ID.with_for_update()
_SERVICE_BY_KEY = services.select().where(
    services.c.integration_key == sa.bindparam("p_integration_key")
)
_SERVICE_BY_NAME = services.select().where(services.c.name == sa.bindparam("p_name"))
_UPDATE_SERVICE = services.update().where(services.c.id == sa.bindparam("p_id"))
_DELETE_SERVICE = services.delete().where(services.c.id == sa.bindparam("p_id"))
_INSERT_POLICY = policies.insert()
_POLICY_OF_SERVICE = policies.select().where(
    policies.c.monitored_service_id == sa.bindparam("p_service_id")
)
_DELETE_POLICY_OF_SERVICE = policies.delete().where(
    policies.c.monitored_service_id == sa.bindparam("p_service_id")
)


class SqlServiceRepository:
    """Implements ServiceRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, service: MonitoredService) -> None:
        self._db.execute(
            _INSERT_SERVICE,
            {
                "id": service.id,
                "name": service.name,
                "integration_key": service.integration_key,
                "status": service.status.value,
                "created_at": service.created_at,
                "incident_grouping": service.incident_grouping.value,
                "paging_severity": service.paging_severity.value,
            },
        )

    def get(self, service_id: UUID) -> MonitoredService | None:
        return self._first(_SERVICE_BY_ID, {"p_id": service_id})

    def get_for_update(self, service_id: UUID) -> MonitoredService | None:
        query = self._db.pick(_SERVICE_BY_ID, _SERVICE_BY_ID_LOCKED)
        return self._first(query, {"p_id": service_id})

    def get_by_integration_key(self, integration_key: str) -> MonitoredService | None:
        return self._first(_SERVICE_BY_KEY, {"p_integration_key": integration_key})

    def get_by_name(self, name: str) -> MonitoredService | None:
        return self._first(_SERVICE_BY_NAME, {"p_name": name})

    def update(self, service: MonitoredService) -> None:
        self._db.execute(
            _UPDATE_SERVICE,
            {
                "p_id": service.id,
                "name": service.name,
                "status": service.status.value,
                "incident_grouping": service.incident_grouping.value,
                "paging_severity": service.paging_severity.value,
                "integration_key": service.integration_key,
            },
        )

    def delete(self, service_id: UUID) -> None:
        self._db.execute(_DELETE_SERVICE, {"p_id": service_id})

    def list(self, limit: int, after: Cursor | None = None) -> list[MonitoredService]:
        query = page(services.select(), services, limit, after, newest_first=False)
        return [service_from_row(row) for row in self._db.all(query)]

    def _first(
        self, query: sa.Select[tuple[object, ...]], params: dict[str, Any]
    ) -> MonitoredService | None:
        row = self._db.one_or_none(query, params)
        return service_from_row(row) if row is not None else None


class SqlPolicyRepository:
    """Implements PolicyRepository: one policy per service (a unique column)."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def get_for_service(self, service_id: UUID) -> EscalationPolicy | None:
        row = self._db.one_or_none(_POLICY_OF_SERVICE, {"p_service_id": service_id})
        return policy_from_row(row) if row is not None else None

    def save(self, policy: EscalationPolicy) -> None:
        # Replace whole: callers hold the service's lock, so nobody saves in between.
        self.delete_for_service(policy.monitored_service_id)
        self._db.execute(
            _INSERT_POLICY,
            {
                "id": policy.id,
                "monitored_service_id": policy.monitored_service_id,
                "repeat": policy.repeat,
                "levels": levels_to_json(policy.levels),
            },
        )

    def delete_for_service(self, service_id: UUID) -> None:
        self._db.execute(_DELETE_POLICY_OF_SERVICE, {"p_service_id": service_id})
