"""Structured logs: JSON lines with extra fields for machines, one readable line for people."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from uuid import UUID

import pytest

from pagerd.adapters.logging import configure_logging

ALERT_ID = UUID("6f1c2a6e-3f0e-4a55-9d3e-2f0a7d4b9c11")


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for installed in [h for h in root.handlers if h not in handlers]:
        installed.close()  # stops its writer thread
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_timestamp_level_logger_message_and_extra_fields() -> None:
    stream = io.StringIO()
    handler = configure_logging("json", "INFO", stream)

    logging.getLogger("pagerd.test").info(
        "paged %s", "alice", extra={"alert_id": ALERT_ID, "service_id": "s-1"}
    )

    handler.flush()
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "info"
    assert entry["logger"] == "pagerd.test"
    assert entry["message"] == "paged alice"
    assert entry["alert_id"] == str(ALERT_ID)
    assert entry["service_id"] == "s-1"
    assert entry["timestamp"].endswith("Z")


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    stream = io.StringIO()
    handler = configure_logging("json", "INFO", stream)

    try:
        raise RuntimeError("smtp refused")
    except RuntimeError:
        logging.getLogger("pagerd.test").exception("delivery failed")

    handler.flush()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "RuntimeError: smtp refused" in json.loads(lines[0])["exception"]


def test_records_below_the_level_are_dropped() -> None:
    stream = io.StringIO()
    handler = configure_logging("json", "warning", stream)

    logging.getLogger("pagerd.test").info("routine")
    logging.getLogger("pagerd.test").warning("unusual")

    handler.flush()
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["unusual"]


def test_console_lines_are_readable_and_keep_extra_fields() -> None:
    stream = io.StringIO()
    handler = configure_logging("console", "INFO", stream)

    logging.getLogger("pagerd.test").info("paged", extra={"notification_id": "n-1"})

    handler.flush()
    line = stream.getvalue().strip()
    assert "INFO" in line
    assert line.endswith("pagerd.test: paged notification_id=n-1")


def test_configuring_twice_replaces_the_handler_instead_of_doubling_lines() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("json", "INFO", first)
    handler = configure_logging("json", "INFO", second)

    logging.getLogger("pagerd.test").info("once")

    handler.flush()
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1


def test_json_lines_carry_no_ansi_colour_codes_from_uvicorn() -> None:
    stream = io.StringIO()
    handler = configure_logging("json", "INFO", stream)

    # What uvicorn logs at start-up: its message, and the same again in colour.
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on %s",
        "http://127.0.0.1:8080",
        extra={"color_message": "Uvicorn running on \x1b[1m%s\x1b[0m"},
    )
    logging.getLogger("pagerd.test").info("\x1b[32mgreen\x1b[0m text")

    handler.flush()
    assert "\x1b" not in stream.getvalue()
    assert "\\u001b" not in stream.getvalue()
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["message"] for e in entries] == [
        "Uvicorn running on http://127.0.0.1:8080",
        "green text",
    ]
    assert "color_message" not in entries[0]
