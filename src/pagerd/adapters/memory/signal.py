"""A work signal that counts how often it was rung."""

from __future__ import annotations

import threading


class RecordingSignal:
    """Implements the WorkSignal port; `reached(n)` waits for the n-th ring."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def notify(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def reached(self, rings: int, timeout: float) -> bool:
        """Block until rung at least `rings` times in all, or `timeout` seconds passed."""
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= rings, timeout)
