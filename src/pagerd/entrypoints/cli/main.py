"""The `pagerd` command: one Typer application, its sub-commands registered from modules.

Every command reads Settings with `pagerd.config.load_settings()` (PAGERD_* variables, `.env`,
`pagerd.toml`). Failures print one line on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

import pagerd
from pagerd.entrypoints.cli import accounts, alerts, configuration, keys, processes, users
from pagerd.entrypoints.cli.errors import EXIT_OK, CliError, report, translated_errors


class _PagerdGroup(TyperGroup):
    """Runs every sub-command under `translated_errors`, so no traceback reaches the user."""

    def invoke(self, ctx: Any) -> Any:  # a click context (typer vendors click)
        debug = bool(ctx.params.get("debug"))
        try:
            with translated_errors(debug):
                return super().invoke(ctx)
        except CliError as error:
            raise report(error) from error


app = typer.Typer(
    name="pagerd",
    cls=_PagerdGroup,
    help=(
        "pagerd: self-hostable on-call paging.\n\n"
        "Configuration comes from PAGERD_* environment variables (then .env, then "
        "pagerd.toml); PAGERD_DATABASE_URL chooses the database. Exit codes: 0 success, "
        "1 failure, 2 usage error."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"pagerd {pagerd.__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _global_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print pagerd's version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """pagerd: self-hostable on-call paging."""


processes.register(app)
configuration.register(app)
app.add_typer(accounts.tokens, name="token")
app.add_typer(users.users, name="user")
app.add_typer(alerts.alerts, name="alert")
app.add_typer(keys.service_commands, name="service")


def main() -> None:
    """The console script `pagerd`."""
    app(prog_name="pagerd")
