"""Request and response shapes of the on-call schedule API.

The schema bounds sizes; the domain (`build_schedule`, `build_override`) checks meaning and
names every bad field (`layers.0.rotation.handoff`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from pagerd.domain.accounts import User
from pagerd.domain.schedule import DAY_NAMES, Layer, Override, Schedule, Shift
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.entrypoints.http.fields import UtcDateTime, storable

ScheduleName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable)]
Short = Annotated[str, Field(max_length=64), AfterValidator(storable)]
EXAMPLE_USER = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"


class RotationIn(BaseModel):
    """How a layer's participants take turns."""

    type: Short = Field(
        description="The unit of `shift_length`: `hourly`, `daily` or `weekly`.",
        examples=["weekly"],
    )
    shift_length: int = Field(
        ge=1,
        le=24 * 366,
        description="Units per shift (a weekly rotation of 1: a week each).",
        examples=[1],
    )
    handoff: Short = Field(
        description=(
            "Local date-time in the schedule's time zone, ISO 8601 without offset, when the "
            "first participant's shift starts. Later handoffs keep this wall-clock time across "
            "daylight saving changes; a time the clocks skip moves forward to the change."
        ),
        examples=["2026-01-05T09:00"],
    )


class RestrictionIn(BaseModel):
    """A window the layer is active in; outside all its windows the layer has nobody."""

    days: list[Short] = Field(
        max_length=7,
        description="Days the window starts on: `mon` to `sun`.",
        examples=[["mon", "tue", "wed", "thu", "fri"]],
    )
    start: Short = Field(description="Local start time, `HH:MM`.", examples=["09:00"])
    end: Short = Field(
        description=(
            "Local end time, `HH:MM`. At or before `start`, the window ends the next day "
            "(a night such as 22:00 to 06:00); equal to `start`, it lasts 24 hours."
        ),
        examples=["17:00"],
    )


class LayerIn(BaseModel):
    """One rotation of people. Later layers win over earlier ones where they have somebody."""

    participants: list[UUID] = Field(
        max_length=1000,
        description="User ids in rotation order; a user may appear more than once.",
        examples=[[EXAMPLE_USER]],
    )
    rotation: RotationIn
    restrictions: list[RestrictionIn] = Field(
        default_factory=list,
        max_length=100,
        description="Optional windows (local time); none: the layer is always active.",
    )

    def spec(self) -> LayerSpec:
        """The layer as the domain takes it."""
        return LayerSpec(
            participants=self.participants,
            rotation_type=self.rotation.type,
            shift_length=self.rotation.shift_length,
            handoff=self.rotation.handoff,
            restrictions=[RestrictionSpec(r.days, r.start, r.end) for r in self.restrictions],
        )


class ScheduleIn(BaseModel):
    """A schedule to create, or (PUT) the whole new definition of one: layers are replaced."""

    name: ScheduleName = Field(description="Unique, 1 to 200 characters.", examples=["Primary"])
    time_zone: Short = Field(
        description="IANA time zone the layers' times are read in.", examples=["Europe/Berlin"]
    )
    layers: list[LayerIn] = Field(max_length=100, description="Lowest priority first.")


class RotationOut(BaseModel):
    """How a layer's participants take turns."""

    type: str = Field(examples=["weekly"])
    shift_length: int = Field(examples=[1])
    handoff: str = Field(description="Local date-time, no offset.", examples=["2026-01-05T09:00"])


class RestrictionOut(BaseModel):
    """A window the layer is active in (local time)."""

    days: list[str] = Field(examples=[["mon", "tue", "wed", "thu", "fri"]])
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["17:00"])


class LayerOut(BaseModel):
    """One rotation of people."""

    participants: list[UUID]
    rotation: RotationOut
    restrictions: list[RestrictionOut]

    @classmethod
    def of(cls, layer: Layer) -> LayerOut:
        """The API view of a layer."""
        rotation = layer.rotation
        return cls(
            participants=list(layer.participants),
            rotation=RotationOut(
                type=rotation.type.value,
                shift_length=rotation.shift_length,
                handoff=rotation.handoff.isoformat(timespec="minutes"),
            ),
            restrictions=[
                RestrictionOut(
                    days=[DAY_NAMES[d] for d in sorted(r.days)],
                    start=r.start.strftime("%H:%M"),
                    end=r.end.strftime("%H:%M"),
                )
                for r in layer.restrictions
            ],
        )


class ScheduleOut(BaseModel):
    """An on-call schedule."""

    id: UUID
    name: str = Field(examples=["Primary"])
    time_zone: str = Field(examples=["Europe/Berlin"])
    layers: list[LayerOut] = Field(description="Lowest priority first.")
    created_at: UtcDateTime

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleOut:
        """The API view of a schedule."""
        return cls(
            id=schedule.id,
            name=schedule.name,
            time_zone=schedule.time_zone,
            layers=[LayerOut.of(layer) for layer in schedule.layers],
            created_at=schedule.created_at,
        )


class OverrideIn(BaseModel):
    """Put a user on call over every layer between two instants."""

    user_id: UUID = Field(description="The user who covers.", examples=[EXAMPLE_USER])
    start: datetime = Field(
        description="RFC 3339 instant with an offset; the override holds from here.",
        examples=["2026-12-24T18:00:00Z"],
    )
    end: datetime = Field(
        description="RFC 3339 instant with an offset, after `start` (excluded); at most a year.",
        examples=["2026-12-27T09:00:00Z"],
    )


class OverrideOut(BaseModel):
    """An override: `user_id` is on call in [start, end) whatever the layers say. Where
    overrides overlap, the one created last wins."""

    id: UUID
    schedule_id: UUID
    user_id: UUID
    start: UtcDateTime
    end: UtcDateTime
    created_at: UtcDateTime

    @classmethod
    def of(cls, override: Override) -> OverrideOut:
        """The API view of an override."""
        return cls(
            id=override.id,
            schedule_id=override.schedule_id,
            user_id=override.user_id,
            start=override.start_at,
            end=override.end_at,
            created_at=override.created_at,
        )


class UserRef(BaseModel):
    """A user, by id and name."""

    id: UUID
    name: str = Field(examples=["alice"])

    @classmethod
    def of(cls, user: User) -> UserRef:
        """The API view of a user on call."""
        return cls(id=user.id, name=str(getattr(user, "name", user.username)))


class OnCallOut(BaseModel):
    """Who is on call at one instant."""

    at: UtcDateTime
    user: UserRef | None = Field(description="Nobody: null (a gap in the schedule).")
    layer: int | None = Field(
        description="Index of the layer that has the user; null for an override or nobody.",
        examples=[0],
    )
    override_id: UUID | None = Field(description="The override that has the user, if any.")


class ShiftOut(BaseModel):
    """A stretch of the final schedule with one person on call."""

    user_id: UUID
    start: UtcDateTime
    end: UtcDateTime
    layer: int | None = Field(description="The layer, or null for an override.", examples=[1])
    override_id: UUID | None

    @classmethod
    def of(cls, shift: Shift) -> ShiftOut:
        """The API view of a staffed stretch."""
        assert shift.user_id is not None
        return cls(
            user_id=shift.user_id,
            start=shift.start_at,
            end=shift.end_at,
            layer=shift.layer,
            override_id=shift.override_id,
        )


class GapOut(BaseModel):
    """A stretch of the final schedule with nobody on call."""

    start: UtcDateTime
    end: UtcDateTime


class ShiftsOut(BaseModel):
    """The final schedule between two instants: who is on call, shift by shift."""

    items: list[ShiftOut] = Field(description="Staffed stretches, in time order.")
    gaps: list[GapOut] = Field(
        description="Stretches with nobody on call (a disabled or deleted user's shift, "
        "times outside every layer's restrictions), in time order."
    )
