"""Timing calls one by one: wall-clock and the calling thread's CPU time."""

from __future__ import annotations

import time
from collections.abc import Callable


class Timings:
    """Wall-clock and CPU (this thread's) milliseconds of each timed call.

    On a shared machine the wall-clock tail is mostly the scheduler running somebody else;
    the thread's CPU time is the work the call itself did.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, action: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
        action()
        self.cpu.append((time.thread_time_ns() - cpu) / 1e6)
        self.wall.append((time.perf_counter_ns() - wall) / 1e6)
