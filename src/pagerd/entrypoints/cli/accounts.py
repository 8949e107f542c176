"""`pagerd token ...`: API tokens, each acting as a user (or, without one, as an admin)."""

from __future__ import annotations

import json
from typing import Annotated
from uuid import UUID

import typer

from pagerd.config import load_settings
from pagerd.domain.accounts import ApiToken
from pagerd.entrypoints.cli.database import opened
from pagerd.entrypoints.cli.errors import CliError
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.tokens import create_api_token, list_api_tokens, revoke_api_token
from pagerd.service_layer.user_changes import find_user

tokens = typer.Typer(help="API tokens for /api/v1 (Authorization: Bearer <token>).")


@tokens.command("create")
def create_token(
    name_argument: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="What the token is for (default: default)."),
    ] = None,
    name_option: Annotated[
        str | None, typer.Option("--name", "-n", help="The same as NAME.")
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", "-u", help="The user the token acts as, with their role (default: admin)."
        ),
    ] = None,
) -> None:
    """Create a token and print its secret once, alone on stdout (it is stored hashed).

    `pagerd token create scripts` and `pagerd token create --name scripts` are the same.
    With --user the token acts as that user, with their role at each request; without, it
    acts as an admin.
    """
    if name_argument is not None and name_option is not None and name_argument != name_option:
        raise typer.BadParameter(
            f"give the name once: {name_argument!r} or {name_option!r}", param_hint="NAME"
        )
    name = name_argument or name_option or "default"
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        user_id = find_user(uow, user).id if user is not None else None
        token, secret = create_api_token(uow, container.clock, name, user_id)
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
    """List tokens, oldest first, revoked ones included (secrets are never shown), with the
    user each acts as (`-`: an admin token of nobody)."""
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        found = list_api_tokens(uow)
        with uow:
            owners = {t.user_id: uow.users.get(t.user_id) for t in found if t.user_id}
    names = {user_id: user.name for user_id, user in owners.items() if user is not None}
    if as_json:
        typer.echo(json.dumps([_token_json(t, names) for t in found], indent=2))
        return
    if not found:
        typer.echo("No tokens. Create one with `pagerd token create --name NAME`.", err=True)
        return
    typer.echo(f"{'ID':<36}  {'STATUS':<7}  {'CREATED':<20}  {'USER':<24}  NAME")
    for token in found:
        status = "active" if token.is_active else "revoked"
        created = token.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        user = names.get(token.user_id, "-") if token.user_id else "-"
        typer.echo(f"{token.id!s:<36}  {status:<7}  {created:<20}  {user:<24}  {token.name}")


def _token_json(token: ApiToken, names: dict[UUID, str]) -> dict[str, object]:
    return {
        "id": str(token.id),
        "name": token.name,
        "user_id": str(token.user_id) if token.user_id else None,
        "user": names.get(token.user_id) if token.user_id else None,
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
