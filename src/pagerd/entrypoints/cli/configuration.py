"""`pagerd apply`, `pagerd export` and `pagerd check`: services, escalation policies and
schedules as a YAML file."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from pagerd.config import load_settings
from pagerd.config_as_code import (
    Action,
    Change,
    Configuration,
    InvalidConfiguration,
    apply_configuration,
    export_configuration,
    parse_configuration,
    render_configuration,
)
from pagerd.config_as_code.schedule_check import declared_schedule_gaps
from pagerd.entrypoints.cli.database import opened
from pagerd.entrypoints.cli.errors import CliError

_SIGNS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}


def apply(
    file: Annotated[
        str, typer.Option("--file", "-f", metavar="FILE", help="The YAML file, or - for stdin.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the changes; write nothing.")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Also delete services the file does not declare, and policies of declared "
            "services that declare none (never a service with an open or acknowledged alert; "
            "with --dry-run, such a service is listed as refused).",
        ),
    ] = False,
) -> None:
    """Make services, escalation policies and schedules match a file, in one transaction."""
    configuration = _parse(file)
    with opened(load_settings()) as container:
        changes = apply_configuration(
            container.uow_factory(), container.clock, configuration, prune=prune, dry_run=dry_run
        )
    for change in changes:
        if change.fields:
            typer.echo(
                f"{_SIGNS[change.action]} {change.action} {change.subject} of "
                f"{change.service_name!r}:"
            )
            for field in change.fields:
                typer.echo(f"    {field}")
        else:
            typer.echo(f"{_SIGNS[change.action]} {change}")
    typer.echo(_summary(changes, dry_run), err=True)


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {file}: {exc}") from exc


def _summary(changes: list[Change], dry_run: bool) -> str:
    if not changes:
        return "No changes: the database already matches the file."
    count = f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
    return (
        f"Dry run: {count} would be made; nothing was written." if dry_run else f"Applied {count}."
    )


def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
    include_secrets: Annotated[
        bool,
        typer.Option(
            "--include-secrets",
            help="Also write each service's integration key, so that a database rebuilt "
            "from the file keeps every sender working. Keep such a file secret.",
        ),
    ] = False,
) -> None:
    """Write every service, escalation policy and schedule in the format `pagerd apply` reads."""
    with opened(load_settings()) as container:
        uow, clock = container.uow_factory(), container.clock
        configuration = export_configuration(uow, clock, include_secrets)
        text = render_configuration(configuration)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        _write(output, text, private=include_secrets)
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc}") from exc
    typer.echo(f"Wrote {output}.", err=True)


def _write(path: Path, text: str, private: bool) -> None:
    # A file holding integration keys is created readable by its owner only.
    if private:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        return
    path.write_text(text, encoding="utf-8")


def check(
    file: Annotated[
        str, typer.Option("--file", "-f", metavar="FILE", help="The YAML file, or - for stdin.")
    ],
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit with status 1 when a schedule has a gap, or a policy names a schedule "
            "the file does not declare.",
        ),
    ] = False,
) -> None:
    """Check a file without a database: report mistakes, policies naming schedules the file
    does not declare, and when each declared schedule has nobody on call in the next 28 days."""
    configuration = _parse(file)
    elsewhere = _undeclared_schedule_targets(configuration)
    for service, schedule in elsewhere:
        typer.echo(
            f"service {service!r} pages schedule {schedule!r}, which this file does not "
            "declare: apply needs it to exist already"
        )
    found = declared_schedule_gaps(configuration.schedules, datetime.now(UTC))
    targeted = _targeting_services(configuration)
    for entry in found:
        by = targeted.get(entry.schedule, [])
        paged_by = f" (paged by {', '.join(repr(s) for s in by)})" if by else ""
        typer.echo(f"schedule {entry.schedule!r}{paged_by} has nobody on call:")
        for gap in entry.gaps:
            typer.echo(f"  {_stamp(gap.start_at)} to {_stamp(gap.end_at)}")
    count = len(configuration.schedules)
    typer.echo(
        f"The file is valid; {len(found)} of {count} schedule(s) have gaps in the next 28 days.",
        err=True,
    )
    if strict and (found or elsewhere):
        raise typer.Exit(1)


def _targeting_services(configuration: Configuration) -> dict[str, list[str]]:
    """The services whose policy pages each schedule, by schedule name."""
    found: dict[str, list[str]] = {}
    for service in configuration.services:
        policy = service.escalation_policy
        for name in sorted(policy.schedule_names()) if policy is not None else []:
            found.setdefault(name, []).append(service.name)
    return found


def _undeclared_schedule_targets(configuration: Configuration) -> list[tuple[str, str]]:
    declared = {schedule.name for schedule in configuration.schedules}
    return [
        (service, schedule)
        for schedule, services in _targeting_services(configuration).items()
        if schedule not in declared
        for service in services
    ]


def _parse(file: str) -> Configuration:
    try:
        return parse_configuration(_read(file))
    except InvalidConfiguration as exc:
        name = "stdin" if file == "-" else file
        raise CliError(f"{name} is not a valid pagerd configuration:\n{exc}") from exc


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def register(app: typer.Typer) -> None:
    """Add these commands to the `pagerd` application."""
    app.command()(apply)
    app.command()(export)
    app.command()(check)
