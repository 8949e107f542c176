"""Secrets are stored hashed: after creating an API token and a console user on a real
database, no column of any table holds the token's secret or the password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from pagerd.adapters.passwords import Argon2Hasher
from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head
from pagerd.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from pagerd.service_layer.tokens import create_api_token, verify_api_token
from pagerd.service_layer.users import check_password, create_user
from pagerd.testing import FakeClock, RecordingSignal

PASSWORD = "correct horse battery staple"
FAST_HASHER = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    upgrade_to_head(database_url)
    engine = create_engine_for(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def every_stored_value(engine: sa.Engine) -> str:
    """Every value of every row of every table, as one text."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in connection.execute(sa.select(table))
        )


def test_no_column_holds_an_api_tokens_secret_or_a_password(engine: sa.Engine) -> None:
    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine, RecordingSignal())

    clock = FakeClock()
    _, secret = create_api_token(uow(), clock, "ci")
    create_user(uow(), clock, "alice", PASSWORD, FAST_HASHER)

    stored = every_stored_value(engine)

    assert verify_api_token(uow(), secret)  # the rows are really there, and work
    assert check_password(uow(), "alice", PASSWORD, FAST_HASHER) is not None
    assert secret not in stored
    assert secret.removeprefix("pgd_") not in stored
    assert PASSWORD not in stored
    assert "$argon2id$" in stored
