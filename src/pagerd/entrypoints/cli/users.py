"""`pagerd user ...`: the people pagerd knows, their roles, and their console passwords.

Users are named by their unique name. Commands act as the command line (an admin: whoever
runs them holds the database already) and are written to the audit log as such.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from pagerd.config import load_settings
from pagerd.domain.accounts import DEFAULT_TIME_ZONE, User
from pagerd.domain.roles import Role
from pagerd.entrypoints.cli.database import opened
from pagerd.entrypoints.cli.errors import CliError
from pagerd.service_layer.user_changes import (
    delete_user,
    find_user,
    set_disabled,
    set_password,
    set_role,
)
from pagerd.service_layer.users import create_user, every_user

users = typer.Typer(help="People: who is paged, who signs in to the console, with which role.")

NameArgument = Annotated[str, typer.Argument(help="The user's name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("no password on stdin")
        return password
    answer: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return answer


@users.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="The name to sign in with (unique).")],
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    role: Annotated[Role, typer.Option("--role", help="admin, responder or viewer.")] = Role.ADMIN,
    time_zone: Annotated[
        str, typer.Option("--time-zone", help="IANA time zone, e.g. Europe/Paris.")
    ] = DEFAULT_TIME_ZONE,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No console password: paged, cannot sign in.")
    ] = False,
) -> None:
    """Create a user (an admin unless --role says otherwise); asks for the password twice
    unless --password-stdin or --no-password."""
    password = None if no_password else _read_password(password_stdin)
    with opened(load_settings()) as container:
        user = create_user(
            container.uow_factory(),
            container.clock,
            name,
            password,
            container.password_hasher,
            email=email,
            role=role,
            time_zone=time_zone,
        )
    typer.echo(f"Created user {user.name} ({user.role.value}).")


@users.command("list")
def list_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON array instead of a table.")
    ] = False,
) -> None:
    """List users, oldest first."""
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        with uow:
            found = every_user(uow)
    if as_json:
        typer.echo(json.dumps([_user_json(u) for u in found], indent=2))
        return
    if not found:
        typer.echo("No users. Create one with `pagerd user create NAME`.", err=True)
        return
    typer.echo(f"{'NAME':<24}  {'ROLE':<9}  {'STATE':<8}  {'TIME ZONE':<20}  EMAIL")
    for user in found:
        state = "disabled" if user.disabled else "enabled"
        line = f"{user.name:<24}  {user.role.value:<9}  {state:<8}  {user.time_zone:<20}"
        typer.echo(f"{line}  {user.email or '-'}")


def _user_json(user: User) -> dict[str, object]:
    return {
        "id": str(user.id),
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "time_zone": user.time_zone,
        "disabled": user.disabled,
        "has_password": user.password_hash is not None,
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
    }


@users.command("disable")
def disable_command(name: NameArgument) -> None:
    """Disable a user: their sessions end at once, their tokens stop working, and they are
    never paged."""
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        set_disabled(uow, container.clock, find_user(uow, name).id, True)
    typer.echo(f"Disabled {name}.")


@users.command("enable")
def enable_command(name: NameArgument) -> None:
    """Enable a disabled user again."""
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        set_disabled(uow, container.clock, find_user(uow, name).id, False)
    typer.echo(f"Enabled {name}.")


@users.command("delete")
def delete_command(name: NameArgument) -> None:
    """Delete a user with their API tokens and sessions (refused while something, such as a
    rotation or a policy, still needs them, or when they are the last admin)."""
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        delete_user(uow, container.clock, find_user(uow, name).id)
    typer.echo(f"Deleted {name}.")


@users.command("reset-password")
def reset_password_command(name: NameArgument, password_stdin: PasswordStdin = False) -> None:
    """Set a new console password; every session of the user ends at once."""
    password = _read_password(password_stdin)
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        set_password(
            uow,
            container.clock,
            find_user(uow, name).id,
            password,
            hasher=container.password_hasher,
        )
    typer.echo(f"Set a new password for {name}; their sessions ended.")


@users.command("set-role")
def set_role_command(
    name: NameArgument,
    role: Annotated[Role, typer.Argument(help="admin, responder or viewer.")],
) -> None:
    """Give a user another role; it applies to their sessions and tokens at once."""
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        set_role(uow, container.clock, find_user(uow, name).id, role)
    typer.echo(f"{name} is now a {role.value}.")
