"""Structured logs with the standard library: JSON lines for machines, one line for people.

`configure_logging` installs one handler on the root logger, so pagerd's own loggers and
those of its libraries (uvicorn, SQLAlchemy, Alembic) all come out in the same format.
Fields passed with `extra=` (alert_id, service_id, notification_id, ...) become JSON keys.
Lines are formatted and written on a thread of their own (`log_writer`): logging a line,
such as the access log's one per request on the HTTP server's event loop, only queues it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any, Literal

from pagerd.adapters.log_writer import BackgroundHandler

LogFormat = Literal["json", "console"]

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    # uvicorn attaches its message again with ANSI colour codes for its own formatter.
    "color_message",
}
# Colour codes some libraries put in their messages: never in a log line a machine reads.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Libraries that log every request at INFO: useful when debugging, noise on call.
_CHATTY = ("httpx", "httpcore")


def configure_logging(
    format: LogFormat = "json",
    level: int | str = "INFO",
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send every log record to `stream` (stderr by default) in `format`; return the handler.

    The handler writes on a thread of its own: `flush()` on it waits until what was logged
    is written. Calling `configure_logging` again replaces the handler it installed before
    (closed, its lines written first) and nothing else's.
    """
    writer = logging.StreamHandler(stream or sys.stderr)
    writer.setFormatter(JsonFormatter() if format == "json" else ConsoleFormatter())
    handler = BackgroundHandler(writer)
    handler.set_name("pagerd")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "pagerd"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record was given with `extra=`."""
    return {
        k: v
        for k, v in vars(record).items()
        if k not in _RECORD_ATTRIBUTES and not k.startswith("_")
    }


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (RFC 3339, UTC), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _ANSI_ESCAPE.sub("", record.getMessage()),
        }
        for key, value in extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # default=str: UUIDs, datetimes and enums in `extra=` are written as text.
        return json.dumps(entry, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """`2026-11-27T10:00:00.000Z INFO pagerd.server: message key=value ...` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extras = " ".join(f"{k}={v}" for k, v in extra_fields(record).items())
        if extras:
            line = f"{line} {extras}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line
