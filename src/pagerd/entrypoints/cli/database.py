"""Opening the database for a command: a clear message when it cannot be used yet.

Commands other than `serve` and `migrate` need the schema at the newest migration; they
refuse otherwise and say to run `pagerd migrate`, rather than fail later on a missing table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from pagerd.bootstrap import Container, build_container
from pagerd.config import Settings
from pagerd.entrypoints.cli.errors import CliError

_MIGRATE = "run `pagerd migrate` (or start `pagerd serve`, which migrates first)"


def require_schema_at_head(settings: Settings) -> None:
    """Raise CliError unless the database exists, answers, and is fully migrated."""
    from pagerd.adapters.sqlalchemy.migrate import current_revision, head_revision

    _require_sqlite_file(settings.database_url)
    current = current_revision(settings.database_url)
    wanted = head_revision()
    if current is None:
        raise CliError(f"the database has no pagerd schema yet: {_MIGRATE}")
    if current != wanted:
        raise CliError(
            f"the database schema is at revision {current}, this pagerd needs {wanted}: {_MIGRATE}"
        )


def _require_sqlite_file(url: str) -> None:
    # Connecting would create an empty file; say what is missing instead.
    try:
        parsed = make_url(url.strip())
    except Exception:
        return  # create_engine_for explains bad URLs
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.parent.is_dir():
            raise CliError(
                f"there is no database at {path}, and its directory {path.parent} does not "
                f"exist: create it (mkdir -p {path.parent}), then {_MIGRATE}"
            )
        if not path.exists():
            raise CliError(f"there is no database at {path}: {_MIGRATE}")


@contextmanager
def opened(settings: Settings) -> Iterator[Container]:
    """A container on a migrated database, closed afterwards."""
    require_schema_at_head(settings)
    container = build_container(settings, log_events=False)
    try:
        yield container
    finally:
        container.close()
