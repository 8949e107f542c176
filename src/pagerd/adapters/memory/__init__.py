"""In memory: a complete, thread-safe store and unit of work, a clock that moves when told,
senders that record, a signal that counts. For tests, the simulation and the demo."""

from pagerd.adapters.memory.clock import DEFAULT_START, FakeClock
from pagerd.adapters.memory.senders import RecordingSender
from pagerd.adapters.memory.signal import RecordingSignal
from pagerd.adapters.memory.store import InMemoryStore
from pagerd.adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = [
    "DEFAULT_START",
    "FakeClock",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "RecordingSender",
    "RecordingSignal",
]
