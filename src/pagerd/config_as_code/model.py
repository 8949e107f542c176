"""The declared state: services and escalation policies as a configuration file states them.

Declared policies compare by content (levels, timeouts, channels, addresses, repeat), never by
the ids pagerd gives targets, so applying the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID, uuid4

from pagerd.config_as_code.schedule_model import DeclaredSchedule
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
    E.164 number or URL, or the user's name (names, unlike ids, are the same on every
    pagerd a file is applied to)."""

    type: str
    address: str

    @classmethod
    def of(cls, target: PolicyTarget, user_names: Mapping[UUID, str]) -> DeclaredTarget:
        """The content of a stored target; a user by name (their id if they are gone)."""
        if isinstance(target, UserTarget):
            return cls(USER_TARGET, user_names.get(target.user_id, str(target.user_id)))
        return cls(target.channel.value, target.address)

    def spec(self, user_ids: Mapping[str, UUID]) -> TargetSpec:
        """The target as `build_policy` takes it; a user name unknown to `user_ids` is
        passed as is, which the domain refuses."""
        if self.type == USER_TARGET:
            found = user_ids.get(self.address)
            return TargetSpec(self.type, str(found) if found is not None else self.address)
        return TargetSpec(self.type, self.address)

    @property
    def address_field(self) -> str:
        """The key that carries the address in a file: `email`, `user_id`, ..."""
        return target_address_field(self.type)


def target_address_field(kind: str) -> str:
    """The key carrying a target's address for its type (`user` for a user: their name)."""
    return "user" if kind == USER_TARGET else Channel(kind).address_field


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
    def of(cls, policy: EscalationPolicy, user_names: Mapping[UUID, str]) -> DeclaredPolicy:
        """The content of a stored policy, for comparison and export."""
        return cls(
            levels=tuple(
                DeclaredLevel(
                    ack_timeout_seconds=int(level.ack_timeout.total_seconds()),
                    targets=tuple(DeclaredTarget.of(t, user_names) for t in level.targets),
                )
                for level in policy.levels
            ),
            repeat=policy.repeat,
        )

    def user_names(self) -> set[str]:
        """The names of the people the policy pages."""
        return {t.address for lv in self.levels for t in lv.targets if t.type == USER_TARGET}

    def level_specs(self, user_ids: Mapping[str, UUID] | None = None) -> list[LevelSpec]:
        """The levels as `build_policy` takes them, user names resolved by `user_ids`
        (without it, each name stands for some user: for checking the rest)."""
        ids = user_ids if user_ids is not None else {n: uuid4() for n in self.user_names()}
        return [
            LevelSpec(
                targets=[t.spec(ids) for t in level.targets],
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
class DeclaredContactMethod:
    """A way to reach a user: `type` and `address` as on the API, and a label."""

    type: str
    address: str
    label: str


@dataclass(frozen=True)
class DeclaredRule:
    """Page the user's contact method at `address` `delay_minutes` after a level pages them."""

    address: str
    delay_minutes: int


@dataclass(frozen=True)
class DeclaredUser:
    """A person, matched by name, with every contact method and rule they have. Never a
    password: a file may be shared; console passwords are set with the CLI."""

    name: str
    contact_methods: tuple[DeclaredContactMethod, ...] = ()
    notification_rules: tuple[DeclaredRule, ...] = ()


@dataclass(frozen=True)
class Configuration:
    """A whole configuration file: every declared service and schedule, in file order,
    names unique; the users the file declares (matched by name), likewise."""

    services: tuple[DeclaredService, ...]
    schedules: tuple[DeclaredSchedule, ...] = ()
    users: tuple[DeclaredUser, ...] = ()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
