"""Test doubles shipped with pagerd: a movable clock, recording senders, a signal (they live
in `pagerd.adapters.memory`, which the simulation and the demo use too), and the harness."""

from pagerd.adapters.memory import DEFAULT_START, FakeClock, RecordingSender, RecordingSignal

__all__ = ["DEFAULT_START", "FakeClock", "RecordingSender", "RecordingSignal"]
