"""`pagerd service rotate-key`: a fresh integration key, the old one kept for an overlap."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from pagerd.config import load_settings
from pagerd.entrypoints.cli.database import opened
from pagerd.entrypoints.cli.errors import CliError
from pagerd.service_layer.services import MAX_KEY_OVERLAP, rotate_integration_key

service_commands = typer.Typer(help="Monitored services.")


@service_commands.command("rotate-key")
def rotate_key(
    service: Annotated[str, typer.Argument(help="The monitored service's name.")],
    overlap_hours: Annotated[
        float,
        typer.Option(
            "--overlap-hours",
            min=0,
            max=MAX_KEY_OVERLAP.total_seconds() / 3600,
            help="Hours the current key keeps working (0: it stops now; at most 720).",
        ),
    ] = 24,
) -> None:
    """Give a service a new integration key; print it once."""
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        with uow:
            found = uow.services.get_by_name(service.strip())
        if found is None:
            raise CliError(f"no service is named {service!r}")
        overlap = timedelta(hours=overlap_hours)
        rotated = rotate_integration_key(uow, container.clock, found.id, overlap)
    typer.echo(rotated.service.integration_key)
    if rotated.previous_expires_at is None:
        typer.echo("The previous key no longer works.", err=True)
    else:
        until = rotated.previous_expires_at.isoformat(timespec="seconds")
        typer.echo(f"The previous key keeps working until {until}.", err=True)
