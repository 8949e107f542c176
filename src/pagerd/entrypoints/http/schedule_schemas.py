"""Request and response shapes of the on-call schedule API.

The schema bounds sizes; the domain (`build_schedule`, `build_override`) checks meaning and
names every bad field (`layers.0.rotation.handoff`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pagerd.domain.schedule import DAY_NAMES, Layer, Override, Schedule
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.entrypoints.http.fields import UtcDateTime, storable

ScheduleName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable)]
Short = Annotated[str, Field(max_length=64), AfterValidator(storable)]
EXAMPLE_USER = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
EXAMPLE_SCHEDULE = "0b9e7c1a-2f3d-4e5a-9b8c-7d6e5f4a3b2c"
EXAMPLE_OVERRIDE = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
USER_EXAMPLE = {
    "id": EXAMPLE_USER,
    "name": "alice",
    "email": "alice@example.com",
    "role": "responder",
    "time_zone": "Europe/London",
    "disabled": False,
    "has_password": True,
    "created_at": "2026-12-01T09:00:00Z",
}
LAYER_EXAMPLE: dict[str, Any] = {
    "participants": [EXAMPLE_USER],
    "rotation": {"type": "weekly", "shift_length": 1, "handoff": "2026-01-05T09:00"},
    "restrictions": [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
    ],
}


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
    rotation: RotationIn = Field(
        description="How the participants take turns.",
        examples=[{"type": "weekly", "shift_length": 1, "handoff": "2026-01-05T09:00"}],
    )
    restrictions: list[RestrictionIn] = Field(
        default_factory=list,
        max_length=100,
        description="Optional windows (local time); none: the layer is always active.",
        examples=[
            [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
        ],
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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Primary", "time_zone": "Europe/Berlin", "layers": [LAYER_EXAMPLE]}
            ]
        }
    )

    name: ScheduleName = Field(description="Unique, 1 to 200 characters.", examples=["Primary"])
    time_zone: Short = Field(
        description="IANA time zone the layers' times are read in.", examples=["Europe/Berlin"]
    )
    layers: list[LayerIn] = Field(
        max_length=100, description="Lowest priority first.", examples=[[LAYER_EXAMPLE]]
    )


class RotationOut(BaseModel):
    """How a layer's participants take turns."""

    type: str = Field(description="`hourly`, `daily` or `weekly`.", examples=["weekly"])
    shift_length: int = Field(description="Units per shift.", examples=[1])
    handoff: str = Field(description="Local date-time, no offset.", examples=["2026-01-05T09:00"])


class RestrictionOut(BaseModel):
    """A window the layer is active in (local time)."""

    days: list[str] = Field(
        description="Days the window starts on.", examples=[["mon", "tue", "wed", "thu", "fri"]]
    )
    start: str = Field(description="Local start time.", examples=["09:00"])
    end: str = Field(
        description="Local end time; at or before `start`: the next day.", examples=["17:00"]
    )


class LayerOut(BaseModel):
    """One rotation of people."""

    participants: list[UUID] = Field(
        description="User ids in rotation order.", examples=[[EXAMPLE_USER]]
    )
    rotation: RotationOut = Field(
        description="How the participants take turns.",
        examples=[LAYER_EXAMPLE["rotation"]],
    )
    restrictions: list[RestrictionOut] = Field(
        description="Windows the layer is active in; empty: always.",
        examples=[LAYER_EXAMPLE["restrictions"]],
    )

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

    id: UUID = Field(description="The schedule's id.", examples=[EXAMPLE_SCHEDULE])
    name: str = Field(description="Unique name.", examples=["Primary"])
    time_zone: str = Field(description="IANA time zone of the layers.", examples=["Europe/Berlin"])
    layers: list[LayerOut] = Field(description="Lowest priority first.", examples=[[LAYER_EXAMPLE]])
    created_at: UtcDateTime = Field(
        description="When it was created.", examples=["2026-11-27T10:00:00Z"]
    )

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": EXAMPLE_USER,
                    "start": "2026-12-24T18:00:00Z",
                    "end": "2026-12-27T09:00:00Z",
                }
            ]
        }
    )

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

    id: UUID = Field(description="The override's id.", examples=[EXAMPLE_OVERRIDE])
    schedule_id: UUID = Field(description="Its schedule.", examples=[EXAMPLE_SCHEDULE])
    user_id: UUID = Field(description="Who covers.", examples=[EXAMPLE_USER])
    start: UtcDateTime = Field(description="From (included).", examples=["2026-12-24T18:00:00Z"])
    end: UtcDateTime = Field(description="To (excluded).", examples=["2026-12-27T09:00:00Z"])
    created_at: UtcDateTime = Field(
        description="When it was made; decides between overlapping overrides.",
        examples=["2026-12-01T10:00:00Z"],
    )

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
