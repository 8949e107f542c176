"""This host's processes, as worker liveness sees them (implements LocalProcesses)."""

from __future__ import annotations

import os
import socket
import threading

_here_lock = threading.Lock()
_workers_here: set[str] = set()
"""Workers registered by this very process (tests run several in one process)."""


def _host_identity() -> str:
    # Two containers may share a host name but not their process ids: the pid namespace
    # is part of the identity, so a pid is only ever looked up where it means something.
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    name = socket.gethostname()
    return f"{name} {namespace}" if namespace else name


class HostProcesses:
    """Answers from the operating system: a pid that no longer exists is a dead process;
    a pid equal to ours belongs to an earlier process (a restart reusing the pid, as in a
    container) unless the worker was registered here."""

    def __init__(self) -> None:
        self.host = _host_identity()

    def is_running(self, pid: int, worker_id: str) -> bool:
        if pid == os.getpid():
            with _here_lock:
                return worker_id in _workers_here
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # it exists but is not ours to signal, or we cannot tell
        return True

    def registered(self, worker_id: str) -> None:
        """Note that `worker_id` runs in this process."""
        with _here_lock:
            _workers_here.add(worker_id)

    def signed_off(self, worker_id: str) -> None:
        """Note that `worker_id` no longer runs in this process."""
        with _here_lock:
            _workers_here.discard(worker_id)
