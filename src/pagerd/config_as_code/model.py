"""The declared state: services and escalation policies as a configuration file states them.

Declared policies compare by content (levels, timeouts, channels, addresses, repeat), never by
the ids pagerd gives targets, so applying the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pagerd.config_as_code.schedule_model import DeclaredSchedule
from pagerd.domain.channels import Channel
from pagerd.domain.policy import EscalationPolicy, LevelSpec, TargetSpec

FORMAT_VERSION = 1


@dataclass(frozen=True)
class DeclaredTarget:
    """Whom to page and how: `address` is the e-mail, E.164 number or URL."""

    channel: Channel
    address: str


@dataclass(frozen=True)
class DeclaredLevel:
    """One level: every target is paged, then the level waits `ack_timeout_seconds`."""

    ack_timeout_seconds: int
    targets: tuple[DeclaredTarget, ...]


@dataclass(frozen=True)
class DeclaredPolicy:
    """An escalation policy without ids."""

    levels: tuple[DeclaredLevel, ...]
    repeat: int = 0

    @classmethod
    def of(cls, policy: EscalationPolicy) -> DeclaredPolicy:
        """The content of a stored policy, for comparison and export."""
        return cls(
            levels=tuple(
                DeclaredLevel(
                    ack_timeout_seconds=int(level.ack_timeout.total_seconds()),
                    targets=tuple(DeclaredTarget(t.channel, t.address) for t in level.targets),
                )
                for level in policy.levels
            ),
            repeat=policy.repeat,
        )

    def level_specs(self) -> list[LevelSpec]:
        """The levels as `build_policy` takes them."""
        return [
            LevelSpec(
                targets=[TargetSpec(t.channel.value, t.address) for t in level.targets],
                ack_timeout_seconds=level.ack_timeout_seconds,
            )
            for level in self.levels
        ]

    def describe(self) -> str:
        """A short summary for people: `2 levels, 3 targets, repeat 0`."""
        targets = sum(len(level.targets) for level in self.levels)
        return (
            f"{_plural(len(self.levels), 'level')}, {_plural(targets, 'target')}, "
            f"repeat {self.repeat}"
        )


@dataclass(frozen=True)
class DeclaredService:
    """A monitored service, matched by name. No policy means the file leaves it alone; no
    `integration_key` keeps the service's key (or gives a new service a fresh one)."""

    name: str
    escalation_policy: DeclaredPolicy | None = None
    integration_key: str | None = None


@dataclass(frozen=True)
class Configuration:
    """A whole configuration file: every declared service and schedule, in file order,
    names unique."""

    services: tuple[DeclaredService, ...]
    schedules: tuple[DeclaredSchedule, ...] = ()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
