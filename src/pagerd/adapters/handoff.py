"""The process's registry of the dispatcher that takes fresh pages in memory.

Implements the PageHandoff port (`service_layer/handoff.py` says what handing off means).
One per process's wake-up (`ThreadWakeup.handoff`): the units of work that ring that wake-up
find it there, and the dispatch duty of the same process registers itself on it. Nobody
registered (the workers run in another process, or have stopped): every new page waits for a
claim, as without a handoff.
"""

from __future__ import annotations

import threading

from pagerd.service_layer.paging import HandoffReceiver


class LocalPageHandoff:
    """Implements PageHandoff: at most one registered receiver; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._receiver: HandoffReceiver | None = None

    def register(self, receiver: HandoffReceiver) -> bool:
        """Make `receiver` the process's; False when another one already is (a second
        dispatcher in the process claims its pages as usual)."""
        with self._lock:
            if self._receiver is not None and self._receiver is not receiver:
                return False
            self._receiver = receiver
            return True

    def unregister(self, receiver: HandoffReceiver) -> None:
        """Stop giving pages to `receiver` (pages already handed stay its to settle)."""
        with self._lock:
            if self._receiver is receiver:
                self._receiver = None

    def receiver(self) -> HandoffReceiver | None:
        receiver = self._receiver
        if receiver is None or not receiver.accepting():
            return None
        return receiver


def handoff_of(signal: object) -> LocalPageHandoff | None:
    """The page handoff a unit of work's wake-up signal carries (a `ThreadWakeup`'s), if any."""
    handoff = getattr(signal, "handoff", None)
    return handoff if isinstance(handoff, LocalPageHandoff) else None
