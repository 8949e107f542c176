"""What is wrong with a configuration file, said so that a person can fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One mistake: `field` is a path such as `services[2].escalation_policy.repeat`
    (empty for the file as a whole) and `line` is 1-based when known."""

    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.field
        if self.line is not None:
            where = f"{where} (line {self.line})" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class InvalidConfiguration(Exception):
    """A configuration file that cannot be applied; `problems` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class PruneRefused(Exception):
    """`--prune` would delete services that have an incident under way."""

    def __init__(self, names: list[str]) -> None:
        listed = ", ".join(repr(n) for n in names)
        super().__init__(
            f"refusing to delete {listed}: an alert is open or acknowledged; mark the service "
            "healthy first, or keep it in the file"
        )
        self.names = names


class IntegrationKeyTaken(Exception):
    """A declared integration key already belongs to another service."""

    def __init__(self, service_name: str, holder_name: str) -> None:
        super().__init__(
            f"the integration key declared for {service_name!r} belongs to {holder_name!r}: "
            "each service needs its own key"
        )
        self.service_name = service_name
        self.holder_name = holder_name
