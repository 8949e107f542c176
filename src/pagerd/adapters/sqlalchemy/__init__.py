"""Persistence on SQLite and PostgreSQL with SQLAlchemy Core, and its Alembic migrations.

Entry points need only these names: build an engine from PAGERD_DATABASE_URL, migrate it,
and give each thread its own unit of work over the shared engine.
"""

from pagerd.adapters.sqlalchemy.engine import connect, create_engine_for, database_is_ready
from pagerd.adapters.sqlalchemy.errors import DatabaseUnavailable, InvalidDatabaseUrl
from pagerd.adapters.sqlalchemy.migrate import (
    current_revision,
    downgrade_to_base,
    head_revision,
    upgrade_to_head,
)
from pagerd.adapters.sqlalchemy.unit_of_work import (
    WORK_CHANNEL,
    PostgresUnitOfWork,
    SqlAlchemyUnitOfWork,
    SqliteUnitOfWork,
)

__all__ = [
    "WORK_CHANNEL",
    "DatabaseUnavailable",
    "InvalidDatabaseUrl",
    "PostgresUnitOfWork",
    "SqlAlchemyUnitOfWork",
    "SqliteUnitOfWork",
    "connect",
    "create_engine_for",
    "current_revision",
    "database_is_ready",
    "downgrade_to_base",
    "head_revision",
    "upgrade_to_head",
]
