"""A sender that records what it was asked to send and answers what it is told to."""

from __future__ import annotations

import threading
from collections import deque

from pagerd.service_layer.paging import DeliveryResult, OutgoingPage


class RecordingSender:
    """Implements the Sender port. Answers the queued results in order, then `delivered`.

    Pages also go to `journal` when given, to keep one order across several senders.
    """

    def __init__(self, journal: list[OutgoingPage] | None = None) -> None:
        self.pages: list[OutgoingPage] = []
        self._journal = journal
        self._script: deque[DeliveryResult] = deque()
        self._lock = threading.Lock()

    def answer(self, *results: DeliveryResult) -> None:
        """Queue the results of the next attempts."""
        with self._lock:
            self._script.extend(results)

    def send(self, page: OutgoingPage) -> DeliveryResult:
        with self._lock:
            self.pages.append(page)
            if self._journal is not None:
                self._journal.append(page)
            return self._script.popleft() if self._script else DeliveryResult.delivered()

    @property
    def addresses(self) -> list[str]:
        """Every address paged, in order, once per message."""
        return [p.address for p in self.pages]
