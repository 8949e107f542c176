"""Turning failures into one clear line on stderr and an exit code scripts can trust.

Exit codes: 0 success, 1 failure (the message says what to do), 2 usage error (a wrong
command, option or argument; the convention of argument parsers). Tracebacks are shown
only with --debug.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure the user can act on: `Error: <message>` on stderr, exit code 1."""


def report(error: CliError) -> typer.Exit:
    """Print `error` on stderr; return the exit to raise."""
    typer.echo(f"Error: {error}", err=True)
    return typer.Exit(EXIT_FAILURE)


def settings_error(error: ValidationError) -> CliError:
    """A message naming each bad PAGERD_* variable."""
    lines = []
    for problem in error.errors():
        name = "PAGERD_" + "_".join(str(part) for part in problem["loc"]).upper()
        lines.append(f"{name}: {problem['msg']}")
    return CliError("invalid configuration: " + "; ".join(lines))


@contextmanager
def translated_errors(debug: bool) -> Iterator[None]:
    """Re-raise known failures as CliError; anything else as one line unless `debug`."""
    from pagerd.adapters.sqlalchemy.errors import DatabaseUnavailable, InvalidDatabaseUrl
    from pagerd.config_as_code import IntegrationKeyTaken, InvalidConfiguration, PruneRefused
    from pagerd.config_checks import SettingsFileError
    from pagerd.domain.errors import DomainError
    from pagerd.service_layer.errors import InvalidFields, UseCaseError

    try:
        yield
    except (CliError, typer.Exit, typer.Abort, typer.TyperException):
        raise
    except ValidationError as exc:
        raise settings_error(exc) from exc
    except InvalidDatabaseUrl as exc:
        raise CliError(f"PAGERD_DATABASE_URL: {exc}") from exc
    except InvalidFields as exc:
        named = "; ".join(f"{d.field} {d.message}" for d in exc.details)
        raise CliError(f"{exc}: {named}") from exc
    except (
        DatabaseUnavailable,
        UseCaseError,
        DomainError,
        PruneRefused,
        SettingsFileError,
        IntegrationKeyTaken,
    ) as exc:
        raise CliError(str(exc)) from exc
    except InvalidConfiguration as exc:
        raise CliError(f"the file is not valid:\n{exc}") from exc
    except Exception as exc:
        if debug:
            raise
        raise CliError(
            f"unexpected {type(exc).__name__}: {exc} (run `pagerd --debug ...` for details)"
        ) from exc
