"""The repositories are declared once (`Repositories`), and every unit of work binds an
implementation of each port to each name; `SqlAlchemyUnitOfWork` gives the engine's backend."""

from __future__ import annotations

import inspect
from typing import get_type_hints

import pytest
import sqlalchemy as sa

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.memory.unit_of_work import MEMORY_REPOSITORIES
from pagerd.adapters.sqlalchemy import PostgresUnitOfWork, SqlAlchemyUnitOfWork, SqliteUnitOfWork
from pagerd.adapters.sqlalchemy.unit_of_work import SQL_REPOSITORIES
from pagerd.service_layer import ports
from pagerd.service_layer.ports import REPOSITORY_NAMES, Repositories, UnitOfWork, repository_table

PORTS = get_type_hints(Repositories, vars(ports))


def test_the_port_and_both_adapters_use_the_one_declaration() -> None:
    assert tuple(PORTS) == REPOSITORY_NAMES
    assert len(REPOSITORY_NAMES) == len(set(REPOSITORY_NAMES)) > 20
    assert tuple(MEMORY_REPOSITORIES) == REPOSITORY_NAMES
    assert tuple(SQL_REPOSITORIES) == REPOSITORY_NAMES
    assert issubclass(InMemoryUnitOfWork, UnitOfWork)
    assert issubclass(SqlAlchemyUnitOfWork, UnitOfWork)


def test_a_table_missing_a_repository_or_naming_an_unknown_one_is_refused() -> None:
    table = dict(MEMORY_REPOSITORIES)
    del table["alerts"]
    table["alarms"] = table["services"]

    with pytest.raises(ValueError, match=r"missing \['alerts'\], unknown \['alarms'\]"):
        repository_table(table)


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def _shape(signature: inspect.Signature) -> tuple[int, set[str]]:
    kinds = [p.kind for p in signature.parameters.values()]
    positional = sum(
        k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for k in kinds
    )
    keyword = {
        n for n, p in signature.parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    return positional, keyword


@pytest.mark.parametrize("table", [MEMORY_REPOSITORIES, SQL_REPOSITORIES], ids=["memory", "sql"])
@pytest.mark.parametrize("name", REPOSITORY_NAMES)
def test_each_implementation_has_every_method_of_its_port(table: dict, name: str) -> None:
    # What mypy checked when each repository was assigned to a typed attribute: every
    # method of the port, taking as many positional parameters and the same keyword-only ones.
    implementation = _public_methods(table[name])
    for method, signature in _public_methods(PORTS[name]).items():
        where = f"{table[name].__name__}.{method}"
        assert method in implementation, f"{where} is missing"
        wanted, given = _shape(signature), _shape(implementation[method])
        assert given[0] >= wanted[0], f"{where} takes fewer positional parameters"
        assert wanted[1] <= given[1], f"{where} lacks keyword-only {wanted[1] - given[1]}"


def test_each_unit_of_work_binds_a_repository_to_every_name() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    with uow:
        bound = {name: type(getattr(uow, name)) for name in REPOSITORY_NAMES}
    assert bound == MEMORY_REPOSITORIES


def test_the_sql_unit_of_work_is_the_engines_backend() -> None:
    sqlite = sa.create_engine("sqlite://")
    postgres = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # not connected

    assert type(SqlAlchemyUnitOfWork(sqlite)) is SqliteUnitOfWork
    assert type(SqlAlchemyUnitOfWork(postgres)) is PostgresUnitOfWork
    assert type(PostgresUnitOfWork(postgres)) is PostgresUnitOfWork
