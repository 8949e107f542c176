"""Open SMTP sessions kept between messages, a few per server.

Opening a session costs a TCP connect, the greeting, EHLO and, with TLS and a login, a
handshake and AUTH: several round trips and most of a message's cost. `SmtpSessionPool`
lends an idle session to one sender thread at a time and takes it back once its message is
accepted. A session idle longer than `idle_timeout` is closed instead of reused (mail
servers drop idle clients after a few minutes, and an old session is the likeliest to be
broken); a session that failed is closed, never returned.
"""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from pagerd.service_layer.ports import Clock

DEFAULT_IDLE_TIMEOUT = timedelta(seconds=30)
DEFAULT_MAX_IDLE = 4


class SmtpSessionPool:
    """Thread-safe: `take` and `give_back` may be called from any sender thread.

    At most `max_idle` idle sessions are kept; more may be open at once while in use (one
    per sending thread), and the surplus is closed when given back.
    """

    def __init__(
        self,
        open_session: Callable[[], smtplib.SMTP],
        clock: Clock,
        idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT,
        max_idle: int = DEFAULT_MAX_IDLE,
    ) -> None:
        self._open = open_session
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: list[tuple[smtplib.SMTP, datetime]] = []  # most recently used last
        self.opened = 0  # sessions opened so far (for tests and benchmarks)

    def take(self, *, fresh: bool = False) -> tuple[smtplib.SMTP, bool]:
        """An open session and whether it was reused (False: opened just now, always when
        `fresh`).

        Raises what opening a session raises.
        """
        self.close_idle()
        with self._lock:
            if self._idle and not fresh:
                return self._idle.pop()[0], True
            self.opened += 1
        return self._open(), False

    def give_back(self, session: smtplib.SMTP) -> None:
        """Return a session whose last exchange succeeded, for the next message."""
        surplus = None
        with self._lock:
            self._idle.append((session, self._clock.now()))
            if len(self._idle) > self._max_idle:
                surplus = self._idle.pop(0)[0]
        if surplus is not None:
            _quit(surplus)

    def discard(self, session: smtplib.SMTP) -> None:
        """Close a session that failed: its state is unknown, so it is never reused."""
        with suppress(smtplib.SMTPException, OSError):
            session.close()

    def close_idle(self) -> int:
        """Close the sessions idle for longer than the idle timeout; returns how many."""
        cutoff = self._clock.now() - self._idle_timeout
        with self._lock:
            expired = [s for s, since in self._idle if since <= cutoff]
            self._idle = [(s, since) for s, since in self._idle if since > cutoff]
        for session in expired:
            _quit(session)
        return len(expired)

    def close(self) -> None:
        """Close every idle session (at shutdown)."""
        with self._lock:
            sessions = [s for s, _ in self._idle]
            self._idle = []
        for session in sessions:
            _quit(session)

    @property
    def idle(self) -> int:
        """How many sessions wait to be reused."""
        with self._lock:
            return len(self._idle)


def _quit(session: smtplib.SMTP) -> None:
    try:
        session.quit()
    except (smtplib.SMTPException, OSError):
        with suppress(smtplib.SMTPException, OSError):
            session.close()
