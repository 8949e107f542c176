"""Alembic environment of pagerd: configured in code, see `pagerd.adapters.sqlalchemy.migrate`.

`migrate.py` passes an open connection (in `config.attributes["connection"]`), already in a
transaction. Run from the command line (`alembic -c alembic.ini ...`, for developers), the
URL comes from `PAGERD_DATABASE_URL` or the ini file.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters tables by copying them; later migrations need batch mode there.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    return os.environ.get("PAGERD_DATABASE_URL") or context.config.get_main_option(
        "sqlalchemy.url", "sqlite:///./pagerd.db"
    )


def _main() -> None:
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = create_engine_for(_url())
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


_main()
