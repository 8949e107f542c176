"""Test doubles shipped with pagerd: a movable clock, recording senders, a signal."""

from pagerd.testing.clock import FakeClock
from pagerd.testing.senders import RecordingSender
from pagerd.testing.signal import RecordingSignal

__all__ = ["FakeClock", "RecordingSender", "RecordingSignal"]
