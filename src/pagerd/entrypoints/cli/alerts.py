"""`pagerd alert send`: raise an alert by hand, to try a policy end to end."""

from __future__ import annotations

from typing import Annotated

import typer

from pagerd.config import load_settings
from pagerd.entrypoints.cli.database import opened
from pagerd.entrypoints.cli.errors import CliError
from pagerd.service_layer.alerts import receive_alert

alerts = typer.Typer(help="Alerts, for trying things out.")


@alerts.command("send")
def send(
    service: Annotated[str, typer.Option("--service", "-s", help="The monitored service's name.")],
    message: Annotated[str, typer.Option("--message", "-m", help="What is wrong.")],
    dedup_key: Annotated[
        str | None,
        typer.Option(
            "--dedup-key", help="Joins the incident holding this key; generated if absent."
        ),
    ] = None,
) -> None:
    """Send an alert for a service, as a monitoring system would."""
    if not message.strip():
        raise typer.BadParameter("must not be empty", param_hint="--message")
    with opened(load_settings()) as container:
        uow = container.uow_factory()
        with uow:
            found = uow.services.get_by_name(service.strip())
        if found is None:
            raise CliError(f"no service is named {service!r} (create it with `pagerd apply`)")
        received = receive_alert(uow, container.clock, found.id, message, dedup_key)
        container.observer.alert_received(
            "cli",
            received.deduplicated,
            received.alert.id,
            received.alert.monitored_service_id,
        )
    alert = received.alert
    if received.deduplicated:
        typer.echo(f"Joined the incident under way: alert {alert.id} (nobody is paged again).")
    elif alert.plan is None:
        typer.echo(f"Opened alert {alert.id}; {service} has no escalation policy: nobody is paged.")
    else:
        typer.echo(f"Opened alert {alert.id}; level 0 of {service}'s policy is being paged.")
