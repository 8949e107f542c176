"""The in-memory unit of work: a complete, thread-safe store for tests and the demo."""

from pagerd.adapters.memory.store import InMemoryStore
from pagerd.adapters.memory.unit_of_work import InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
