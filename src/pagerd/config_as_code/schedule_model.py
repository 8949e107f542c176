"""Declared schedules: layers and overrides as a configuration file states them.

Participants and override users are usernames (ids differ between databases); they are
resolved when the file is applied. Schedules compare by content, so applying a file twice
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pagerd.domain.schedule import DAY_NAMES, Layer, Override
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec


@dataclass(frozen=True)
class DeclaredRestriction:
    """Days (`mon`..`sun`) and local `HH:MM` start and end."""

    days: tuple[str, ...]
    start: str
    end: str


@dataclass(frozen=True)
class DeclaredLayer:
    """A rotation of usernames."""

    participants: tuple[str, ...]
    rotation_type: str
    shift_length: int
    handoff: str
    restrictions: tuple[DeclaredRestriction, ...] = ()

    @classmethod
    def of(cls, layer: Layer, names: dict[str, str]) -> DeclaredLayer:
        """A stored layer, participants named by `names` (id text -> username)."""
        rotation = layer.rotation
        return cls(
            participants=tuple(names.get(str(p), str(p)) for p in layer.participants),
            rotation_type=rotation.type.value,
            shift_length=rotation.shift_length,
            handoff=rotation.handoff.isoformat(timespec="minutes"),
            restrictions=tuple(
                DeclaredRestriction(
                    tuple(DAY_NAMES[d] for d in sorted(r.days)),
                    r.start.strftime("%H:%M"),
                    r.end.strftime("%H:%M"),
                )
                for r in layer.restrictions
            ),
        )

    def spec(self, ids: dict[str, str]) -> LayerSpec:
        """The layer as `build_schedule` takes it, usernames turned into ids by `ids`."""
        return LayerSpec(
            participants=[UUID(ids[name]) for name in self.participants],
            rotation_type=self.rotation_type,
            shift_length=self.shift_length,
            handoff=self.handoff,
            restrictions=[RestrictionSpec(r.days, r.start, r.end) for r in self.restrictions],
        )


@dataclass(frozen=True)
class DeclaredOverride:
    """`user` (a username) is on call over every layer in [start_at, end_at)."""

    user: str
    start_at: datetime
    end_at: datetime

    @classmethod
    def of(cls, override: Override, names: dict[str, str]) -> DeclaredOverride:
        """A stored override, its user named by `names`."""
        user = names.get(str(override.user_id), str(override.user_id))
        return cls(user, override.start_at, override.end_at)


@dataclass(frozen=True)
class DeclaredSchedule:
    """A schedule, matched by name. `overrides` None: the file leaves its overrides alone."""

    name: str
    time_zone: str
    layers: tuple[DeclaredLayer, ...]
    overrides: tuple[DeclaredOverride, ...] | None = None

    def usernames(self) -> set[str]:
        """Every username the schedule names."""
        people = {p for layer in self.layers for p in layer.participants}
        return people | {o.user for o in self.overrides or ()}
