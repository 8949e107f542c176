"""`pagerd token ...` and `pagerd user ...`: who may use the API and the web console."""

from __future__ import annotations

import json
import sys
from typing import Annotated
from uuid import UUID

import typer

from pagerd.config import load_settings
from pagerd.domain.accounts import ApiToken
from pagerd.entrypoints.cli.database import opened
from pagerd.entrypoints.cli.errors import CliError
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.tokens import create_api_token, list_api_tokens, revoke_api_token

tokens = typer.Typer(help="API tokens for /api/v1 (Authorization: Bearer <token>).")
users = typer.Typer(help="Users of the web console.")


@tokens.command("create")
def create_token(
    name_argument: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="What the token is for (default: default)."),
    ] = None,
    name_option: Annotated[
        str | None, typer.Option("--name", "-n", help="The same as NAME.")
    ] = None,
) -> None:
    """Create a token and print its secret once, alone on stdout (it is stored hashed).

    `pagerd token create scripts` and `pagerd token create --name scripts` are the same.
    """
    if name_argument is not None and name_option is not None and name_argument != name_option:
        raise typer.BadParameter(
            f"give the name once: {name_argument!r} or {name_option!r}", param_hint="NAME"
        )
    name = name_argument or name_option or "default"
    with opened(load_settings()) as container:
        token, secret = create_api_token(container.uow_factory(), container.clock, name)
    typer.echo(secret)
    typer.echo(
        f"Created token {token.id} ({token.name}). Keep the secret now: it is not shown again.",
        err=True,
    )


@tokens.command("list")
def list_tokens(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON array instead of a table.")
    ] = False,
) -> None:
    """List tokens, oldest first, revoked ones included (secrets are never shown)."""
    with opened(load_settings()) as container:
        found = list_api_tokens(container.uow_factory())
    if as_json:
        typer.echo(json.dumps([_token_json(t) for t in found], indent=2))
        return
    if not found:
        typer.echo("No tokens. Create one with `pagerd token create --name NAME`.", err=True)
        return
    typer.echo(f"{'ID':<36}  {'STATUS':<7}  {'CREATED':<20}  NAME")
    for token in found:
        status = "active" if token.is_active else "revoked"
        created = token.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        typer.echo(f"{token.id!s:<36}  {status:<7}  {created:<20}  {token.name}")


def _token_json(token: ApiToken) -> dict[str, object]:
    return {
        "id": str(token.id),
        "name": token.name,
        "created_at": token.created_at.isoformat().replace("+00:00", "Z"),
        "revoked_at": token.revoked_at.isoformat().replace("+00:00", "Z")
        if token.revoked_at
        else None,
    }


@tokens.command("revoke")
def revoke_token(
    token_id: Annotated[UUID, typer.Argument(help="The id shown by `token list`.")],
) -> None:
    """Revoke a token at once (idempotent)."""
    with opened(load_settings()) as container:
        try:
            token = revoke_api_token(container.uow_factory(), container.clock, token_id)
        except NotFound as exc:
            raise CliError(f"no token has the id {token_id} (see `pagerd token list`)") from exc
    typer.echo(f"Revoked token {token.id} ({token.name}).")


@users.command("create")
def create_user_command(
    username: Annotated[str, typer.Argument(help="The name to sign in with.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
) -> None:
    """Create a console user; asks for the password twice unless --password-stdin."""
    from pagerd.service_layer.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("no password on stdin")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with opened(load_settings()) as container:
        user = create_user(container.uow_factory(), container.clock, username, password)
    typer.echo(f"Created user {user.username}.")
