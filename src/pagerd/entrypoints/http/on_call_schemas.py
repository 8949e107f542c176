"""Answers of the on-call queries: who is on call at an instant, the final shifts, gaps."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from pagerd.domain.schedule import Shift
from pagerd.entrypoints.http.fields import UtcDateTime
from pagerd.entrypoints.http.schedule_schemas import EXAMPLE_USER, USER_EXAMPLE
from pagerd.entrypoints.http.users import UserOut


class OnCallOut(BaseModel):
    """Who is on call at one instant."""

    at: UtcDateTime = Field(
        description="The instant asked about.", examples=["2026-12-01T08:00:00Z"]
    )
    user: UserOut | None = Field(
        description="Who is on call; null: nobody (a gap in the schedule).",
        examples=[USER_EXAMPLE],
    )
    layer: int | None = Field(
        description="Index of the layer that has the user; null for an override or nobody.",
        examples=[0],
    )
    override_id: UUID | None = Field(
        description="The override that has the user, if any.", examples=[None]
    )


class ShiftOut(BaseModel):
    """A stretch of the final schedule with one person on call."""

    user_id: UUID = Field(description="Who is on call.", examples=[EXAMPLE_USER])
    start: UtcDateTime = Field(description="From (included).", examples=["2026-11-30T08:00:00Z"])
    end: UtcDateTime = Field(description="To (excluded).", examples=["2026-12-07T08:00:00Z"])
    layer: int | None = Field(description="The layer, or null for an override.", examples=[1])
    override_id: UUID | None = Field(
        description="The override, or null for a layer.", examples=[None]
    )

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

    start: UtcDateTime = Field(description="From (included).", examples=["2026-11-30T16:00:00Z"])
    end: UtcDateTime = Field(description="To (excluded).", examples=["2026-12-01T08:00:00Z"])


class ShiftsOut(BaseModel):
    """The final schedule between two instants: who is on call, shift by shift."""

    items: list[ShiftOut] = Field(
        description="Staffed stretches, in time order.",
        examples=[
            [
                {
                    "user_id": EXAMPLE_USER,
                    "start": "2026-11-30T08:00:00Z",
                    "end": "2026-11-30T16:00:00Z",
                    "layer": 0,
                    "override_id": None,
                }
            ]
        ],
    )
    gaps: list[GapOut] = Field(
        description="Stretches with nobody on call (a disabled or deleted user's shift, "
        "times outside every layer's restrictions), in time order.",
        examples=[[{"start": "2026-11-30T16:00:00Z", "end": "2026-12-01T08:00:00Z"}]],
    )
