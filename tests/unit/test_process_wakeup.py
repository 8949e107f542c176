"""The ring pipe between `pagerd serve` and its worker process: a ring wakes the child's
duties, a full pipe or a gone reader drops the ring without blocking or raising, and end of
file (the parent gone) stops the child."""

from __future__ import annotations

import os
import threading

from pagerd.adapters.process_wakeup import ParentWatch, PipeRinger, ring_pipe
from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.testing import RecordingSignal


def test_a_ring_wakes_the_childs_wakeup() -> None:
    read_fd, write_fd = ring_pipe()
    ringer, wakeup, gone = PipeRinger(write_fd), ThreadWakeup(), threading.Event()
    watch = ParentWatch(read_fd, wakeup, on_parent_gone=gone.set)
    watch.start()
    try:
        ringer.notify()
        assert wakeup.wait(10)
        assert not gone.is_set()
    finally:
        ringer.close()
        assert watch.join(10)
        os.close(read_fd)
    assert gone.is_set()  # closing the write end is what the parent's death does


def test_a_commit_in_the_parent_rings_the_pipe_through_the_local_wakeup() -> None:
    read_fd, write_fd = ring_pipe()
    local, ringer = ThreadWakeup(), PipeRinger(write_fd)
    local.forward_to(ringer)
    try:
        local.notify()  # what the unit of work does after committing due work
        assert os.read(read_fd, 16) == b"\x01"
        local.unsubscribe(ringer)
        local.notify()
        os.set_blocking(read_fd, False)
        assert _read_or_nothing(read_fd) == b""
    finally:
        ringer.close()
        os.close(read_fd)


def test_a_full_pipe_drops_the_ring_instead_of_blocking() -> None:
    read_fd, write_fd = ring_pipe()
    ringer = PipeRinger(write_fd)
    try:
        # Nobody reads: the pipe fills (64 KiB on Linux), then every ring is dropped at once.
        for _ in range(70_000):
            ringer.notify()
        assert ringer.dropped > 0
    finally:
        ringer.close()
        os.close(read_fd)


def test_a_ring_with_no_reader_left_is_dropped_without_raising() -> None:
    read_fd, write_fd = ring_pipe()
    os.close(read_fd)  # the child's end is gone
    ringer = PipeRinger(write_fd)
    ringer.notify()
    assert ringer.dropped == 1
    ringer.close()
    ringer.notify()  # after close: ignored, never a write to a descriptor reused since
    assert ringer.dropped == 1


def test_the_parent_gone_before_any_ring_stops_the_child_without_ringing() -> None:
    read_fd, write_fd = ring_pipe()
    signal, gone = RecordingSignal(), threading.Event()
    os.close(write_fd)
    watch = ParentWatch(read_fd, signal, on_parent_gone=gone.set)
    watch.start()
    assert watch.join(10)
    os.close(read_fd)
    assert gone.is_set()
    assert watch.rings == 0


def _read_or_nothing(fd: int) -> bytes:
    try:
        return os.read(fd, 16)
    except BlockingIOError:
        return b""
