"""The declared state: services and escalation policies as a configuration file states them.

Declared policies compare by content (levels, timeouts, channels, addresses, repeat), never by
the ids pagerd gives targets, so applying the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pagerd.domain.channels import Channel
from pagerd.domain.policy import (
    USER_TARGET,
    EscalationPolicy,
    LevelSpec,
    PolicyTarget,
    TargetSpec,
    UserTarget,
)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class DeclaredTarget:
    """Whom to page and how: `type` is email, sms, webhook or user; `address` is the e-mail,
    E.164 number or URL, or the user's id."""

    type: str
    address: str

    @classmethod
    def of(cls, target: PolicyTarget) -> DeclaredTarget:
        """The content of a stored target."""
        if isinstance(target, UserTarget):
            return cls(USER_TARGET, str(target.user_id))
        return cls(target.channel.value, target.address)

    @property
    def address_field(self) -> str:
        """The key that carries the address in a file: `email`, `user_id`, ..."""
        return target_address_field(self.type)


def target_address_field(kind: str) -> str:
    """The key carrying a target's address for its type (`user_id` for a user)."""
    return "user_id" if kind == USER_TARGET else Channel(kind).address_field


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
                    targets=tuple(DeclaredTarget.of(t) for t in level.targets),
                )
                for level in policy.levels
            ),
            repeat=policy.repeat,
        )

    def level_specs(self) -> list[LevelSpec]:
        """The levels as `build_policy` takes them."""
        return [
            LevelSpec(
                targets=[TargetSpec(t.type, t.address) for t in level.targets],
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
    """A monitored service, matched by name. No policy means the file leaves it alone."""

    name: str
    escalation_policy: DeclaredPolicy | None = None


@dataclass(frozen=True)
class Configuration:
    """A whole configuration file: every declared service, in file order, names unique."""

    services: tuple[DeclaredService, ...]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
