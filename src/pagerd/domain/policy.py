"""Escalation policies: who is paged, level by level, and how long each level waits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from pagerd.domain.channels import Channel, channel_kind, policy_channels
from pagerd.domain.errors import FieldError, InvalidPolicy

DEFAULT_ACK_TIMEOUT = timedelta(minutes=15)
MAX_REPEAT = 9
MAX_LEVELS = 50
MAX_TARGETS_PER_LEVEL = 100
MAX_ACK_TIMEOUT = timedelta(days=7)


@dataclass(frozen=True)
class Target:
    """One destination of a page; `id` is stable across reads of the same policy."""

    id: UUID
    channel: Channel
    address: str


@dataclass(frozen=True)
class UserTarget:
    """A person to page: expanded, when the level triggers, into the user's contact methods
    by their notification rules. `id` is stable across reads of the same policy."""

    id: UUID
    user_id: UUID


@dataclass(frozen=True)
class ScheduleTarget:
    """Whoever a schedule has on call when the level triggers: resolved then to one person
    (or nobody), who is paged like a user target. `id` is stable across reads."""

    id: UUID
    schedule_id: UUID


PolicyTarget = Target | UserTarget | ScheduleTarget
"""What a level pages: an address, a person, or a schedule's person on call."""

USER_TARGET = "user"
SCHEDULE_TARGET = "schedule"
TARGET_TYPES = ", ".join([*(c.value for c in policy_channels()), USER_TARGET, SCHEDULE_TARGET])


@dataclass(frozen=True)
class Level:
    """A step of escalation: every target is paged at once, then the level waits."""

    ack_timeout: timedelta
    targets: tuple[PolicyTarget, ...]

    @property
    def user_ids(self) -> tuple[UUID, ...]:
        """The people this level pages, in target order."""
        return tuple(t.user_id for t in self.targets if isinstance(t, UserTarget))


@dataclass(frozen=True)
class EscalationPolicy:
    """The levels of one monitored service, and how many extra passes to make over them."""

    id: UUID
    monitored_service_id: UUID
    levels: tuple[Level, ...]
    repeat: int = 0


@dataclass(frozen=True)
class TargetSpec:
    """A target as a user asks for it, before validation; for a `user` target, `address`
    is the user's id, for a `schedule` target the schedule's id."""

    type: str
    address: str


@dataclass(frozen=True)
class LevelSpec:
    """A level as a user asks for it, before validation."""

    targets: Sequence[TargetSpec]
    ack_timeout_seconds: int = int(DEFAULT_ACK_TIMEOUT.total_seconds())


def build_policy(
    monitored_service_id: UUID,
    levels: Sequence[LevelSpec],
    repeat: int = 0,
    policy_id: UUID | None = None,
) -> EscalationPolicy:
    """Validate a requested policy and return it, or raise InvalidPolicy naming every bad field."""
    problems: list[FieldError] = []
    if not 0 <= repeat <= MAX_REPEAT:
        problems.append(FieldError("repeat", f"must be between 0 and {MAX_REPEAT}"))
    if not levels:
        problems.append(FieldError("levels", "must have at least one level"))
    if len(levels) > MAX_LEVELS:
        problems.append(FieldError("levels", f"must have at most {MAX_LEVELS} levels"))
    built = tuple(_build_level(i, spec, problems) for i, spec in enumerate(levels))
    if problems:
        raise InvalidPolicy(problems)
    return EscalationPolicy(
        id=policy_id or uuid4(),
        monitored_service_id=monitored_service_id,
        levels=built,
        repeat=repeat,
    )


def _build_level(index: int, spec: LevelSpec, problems: list[FieldError]) -> Level:
    path = f"levels.{index}"
    ack_timeout = timedelta(seconds=1)
    if 1 <= spec.ack_timeout_seconds <= MAX_ACK_TIMEOUT.total_seconds():
        ack_timeout = timedelta(seconds=spec.ack_timeout_seconds)
    else:
        # Checked before building the timedelta, which overflows on huge numbers; the level
        # is discarded anyway since a problem is recorded.
        limit = int(MAX_ACK_TIMEOUT.total_seconds())
        problems.append(FieldError(f"{path}.ack_timeout_seconds", f"must be between 1 and {limit}"))
    if not spec.targets:
        problems.append(FieldError(f"{path}.targets", "must have at least one target"))
    if len(spec.targets) > MAX_TARGETS_PER_LEVEL:
        limit_t = MAX_TARGETS_PER_LEVEL
        problems.append(FieldError(f"{path}.targets", f"must have at most {limit_t} targets"))
    targets = []
    for t_index, target in enumerate(spec.targets):
        built = _build_target(f"{path}.targets.{t_index}", target, problems)
        if built is not None:
            targets.append(built)
    return Level(ack_timeout=ack_timeout, targets=tuple(targets))


def _build_target(path: str, spec: TargetSpec, problems: list[FieldError]) -> PolicyTarget | None:
    kind = spec.type.lower()
    if kind == USER_TARGET:
        user_id = _target_id(f"{path}.user_id", spec, "user", problems)
        return UserTarget(id=uuid4(), user_id=user_id) if user_id else None
    if kind == SCHEDULE_TARGET:
        schedule_id = _target_id(f"{path}.schedule_id", spec, "schedule", problems)
        return ScheduleTarget(id=uuid4(), schedule_id=schedule_id) if schedule_id else None
    try:
        channel = Channel(kind)
    except ValueError:
        channel = None
    if channel is None or channel not in policy_channels():
        problems.append(FieldError(f"{path}.type", f"must be one of {TARGET_TYPES}"))
        return None
    rules = channel_kind(channel)
    address = spec.address.strip()
    problem = rules.target_address_problem(address)
    if problem is not None:
        problems.append(FieldError(f"{path}.{rules.address_field}", problem))
        return None
    return Target(id=uuid4(), channel=channel, address=address)


def _target_id(field: str, spec: TargetSpec, noun: str, problems: list[FieldError]) -> UUID | None:
    """The id a `user` or `schedule` target names, or None with the problem recorded."""
    if not spec.address.strip():
        problems.append(FieldError(field, f"is required: the id of the {noun} to page"))
        return None
    try:
        return UUID(spec.address.strip())
    except ValueError:
        problems.append(FieldError(field, f"must be a {noun}'s id (a UUID)"))
        return None


def user_ids_of(levels: Sequence[Level]) -> set[UUID]:
    """Every person the levels page."""
    return {user_id for level in levels for user_id in level.user_ids}
