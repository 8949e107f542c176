"""The declared state: services and escalation policies as a configuration file states them.

Declared policies compare by content (levels, timeouts, channels, addresses, repeat), never by
the ids pagerd gives targets, so applying the same file twice changes nothing. People and
schedules are named by their names, which (unlike ids) are the same on every pagerd a file
is applied to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from pagerd.config_as_code.schedule_model import DeclaredSchedule
from pagerd.config_as_code.upkeep_model import DeclaredHeartbeat, DeclaredWindow
from pagerd.domain.channels import Channel
from pagerd.domain.policy import (
    SCHEDULE_TARGET,
    USER_TARGET,
    EscalationPolicy,
    LevelSpec,
    PolicyTarget,
    ScheduleTarget,
    TargetSpec,
    UserTarget,
)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class DeclaredTarget:
    """Whom to page and how: `type` is email, sms, webhook, user or schedule; `address` is
    the e-mail, E.164 number or URL, the user's name, or the schedule's name."""

    type: str
    address: str

    @classmethod
    def of(cls, target: PolicyTarget, names: Names) -> DeclaredTarget:
        """The content of a stored target; a user or a schedule by name (its id if it is
        gone)."""
        if isinstance(target, UserTarget):
            return cls(USER_TARGET, names.users.get(target.user_id, str(target.user_id)))
        if isinstance(target, ScheduleTarget):
            found = names.schedules.get(target.schedule_id, str(target.schedule_id))
            return cls(SCHEDULE_TARGET, found)
        return cls(target.channel.value, target.address)

    def spec(self, ids: Ids) -> TargetSpec:
        """The target as `build_policy` takes it; a user or schedule name unknown to `ids`
        is passed as is, which the domain refuses (it is not an id)."""
        known = {USER_TARGET: ids.users, SCHEDULE_TARGET: ids.schedules}.get(self.type)
        found = known.get(self.address) if known is not None else None
        return TargetSpec(self.type, str(found) if found is not None else self.address)

    @property
    def address_field(self) -> str:
        """The key that carries the address in a file: `email`, `user_id`, ..."""
        return target_address_field(self.type)


def target_address_field(kind: str) -> str:
    """The key carrying a target's address for its type (`user` and `schedule`: a name)."""
    if kind in (USER_TARGET, SCHEDULE_TARGET):
        return kind
    return Channel(kind).address_field


@dataclass(frozen=True)
class Names:
    """Stored ids by which a file's names are written back: users' and schedules'."""

    users: Mapping[UUID, str] = field(default_factory=dict)
    schedules: Mapping[UUID, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ids:
    """The ids a file's names stand for: users' and schedules'."""

    users: Mapping[str, UUID] = field(default_factory=dict)
    schedules: Mapping[str, UUID] = field(default_factory=dict)

    def names(self) -> Names:
        """The same directory, the other way round."""
        return Names(
            {i: n for n, i in self.users.items()}, {i: n for n, i in self.schedules.items()}
        )


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
    def of(cls, policy: EscalationPolicy, names: Names) -> DeclaredPolicy:
        """The content of a stored policy, for comparison and export."""
        return cls(
            levels=tuple(
                DeclaredLevel(
                    ack_timeout_seconds=int(level.ack_timeout.total_seconds()),
                    targets=tuple(DeclaredTarget.of(t, names) for t in level.targets),
                )
                for level in policy.levels
            ),
            repeat=policy.repeat,
        )

    def user_names(self) -> set[str]:
        """The names of the people the policy pages."""
        return self._addresses(USER_TARGET)

    def schedule_names(self) -> set[str]:
        """The names of the schedules whose person on call the policy pages."""
        return self._addresses(SCHEDULE_TARGET)

    def _addresses(self, kind: str) -> set[str]:
        return {t.address for lv in self.levels for t in lv.targets if t.type == kind}

    def level_specs(self, known: Ids | None = None) -> list[LevelSpec]:
        """The levels as `build_policy` takes them, names resolved by `known` (without it,
        each name stands for some user or schedule: for checking the rest)."""
        ids = known or Ids(
            {n: uuid4() for n in self.user_names()}, {n: uuid4() for n in self.schedule_names()}
        )
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
    `integration_key` keeps the service's key (or gives a new service a fresh one); no
    `maintenance_windows` or `heartbeats` (None, not an empty list) leaves those alone."""

    name: str
    escalation_policy: DeclaredPolicy | None = None
    integration_key: str | None = None
    maintenance_windows: tuple[DeclaredWindow, ...] | None = None
    heartbeats: tuple[DeclaredHeartbeat, ...] | None = None


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
