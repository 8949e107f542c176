"""A work signal that counts how often it was rung."""

from __future__ import annotations

import threading


class RecordingSignal:
    """Implements the WorkSignal port."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def notify(self) -> None:
        with self._lock:
            self.count += 1
