"""Log lines are written on a thread of their own, in order, and none is lost at exit."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from pagerd.adapters.log_writer import BackgroundHandler


class Recorder(logging.Handler):
    """A target handler noting each line and the thread that wrote it; `gate` holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.threads: set[threading.Thread] = set()
        self.gate = threading.Event()
        self.gate.set()

    def emit(self, record: logging.LogRecord) -> None:
        self.gate.wait()
        self.threads.add(threading.current_thread())
        self.lines.append(self.format(record))


@pytest.fixture
def target() -> Recorder:
    return Recorder()


@pytest.fixture
def handler(target: Recorder) -> Iterator[BackgroundHandler]:
    background = BackgroundHandler(target)
    yield background
    target.gate.set()
    background.close()


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"pagerd.test.writer.{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.handlers[:] = [handler]
    return logger


def test_lines_are_written_by_another_thread_in_the_order_logged(
    handler: BackgroundHandler, target: Recorder
) -> None:
    log = _logger(handler)

    for n in range(200):
        log.info("line %d", n)
    handler.flush()

    assert target.lines == [f"line {n}" for n in range(200)]
    assert threading.current_thread() not in target.threads


def test_flush_returns_once_everything_logged_before_is_written(
    handler: BackgroundHandler, target: Recorder
) -> None:
    log = _logger(handler)
    for n in range(500):
        log.info("line %d", n, extra={"n": n})

    handler.flush()

    assert len(target.lines) == 500


def test_the_message_is_fixed_when_logged_not_when_written(
    handler: BackgroundHandler, target: Recorder
) -> None:
    log = _logger(handler)
    target.gate.clear()  # the writer waits: the line is written after the change below
    paged = ["alice"]

    log.info("paged %s", paged)
    paged.append("bob")
    target.gate.set()
    handler.flush()

    assert target.lines == ["paged ['alice']"]


def test_closing_writes_every_record_taken_then_stops_the_thread(
    handler: BackgroundHandler, target: Recorder
) -> None:
    log = _logger(handler)
    target.gate.clear()
    for n in range(100):
        log.info("line %d", n)
    before = set(threading.enumerate())

    target.gate.set()
    handler.close()

    assert target.lines == [f"line {n}" for n in range(100)]
    assert len(set(threading.enumerate())) < len(before)  # the writer thread is gone


_CRASHING = """
import logging
from pagerd.adapters.logging import configure_logging
configure_logging("console", "INFO")
log = logging.getLogger("pagerd.test")
for n in range(2000):
    log.info("line %d", n)
{ending}
"""


@pytest.mark.parametrize(
    "ending",
    [
        "raise RuntimeError('crash')",  # an unhandled exception
        "raise SystemExit(0)",  # what a SIGTERM turns into in pagerd serve
        "",  # the end of the program
    ],
)
def test_no_line_is_lost_when_the_process_exits(ending: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING.format(ending=ending)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    lines = [line for line in done.stderr.splitlines() if "pagerd.test: line" in line]
    assert [line.rsplit(" ", 1)[1] for line in lines] == [str(n) for n in range(2000)]
