"""What an alert says beyond its message: severity, source, details and links, bounded.

The bounds keep one alert from filling a database row, an e-mail or a console page:

- `source`: at most 255 characters;
- `details`: a JSON object of at most 16 KiB once encoded (UTF-8), nested at most 8 deep;
- `links`: at most 20, each `href` an http(s) URL of at most 2,048 characters and each
  `text` at most 300 characters.

The API refuses a context beyond them (`context_problems`); integrations, whose senders
cannot fix a payload at 3 a.m. and do not retry a refusal, keep the alert and fit its
context into them (`fit_context`): never lose an alert for its decoration.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pagerd.domain.errors import FieldError
from pagerd.domain.severity import DEFAULT_ALERT_SEVERITY, Severity

MAX_SOURCE = 255
MAX_DETAILS_BYTES = 16_384
MAX_DETAILS_DEPTH = 8
MAX_LINKS = 20
MAX_HREF = 2_048
MAX_LINK_TEXT = 300


@dataclass(frozen=True)
class Link:
    """A link a source attached to an alert (a runbook, a graph)."""

    href: str
    text: str = ""


@dataclass(frozen=True)
class AlertContext:
    """What travels with an alert's message into the console and every message."""

    severity: Severity = DEFAULT_ALERT_SEVERITY
    source: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    links: tuple[Link, ...] = ()


def context_problems(context: AlertContext) -> list[FieldError]:
    """Every bound `context` breaks, by field name; empty when it is within them."""
    problems: list[FieldError] = []
    if context.source is not None and len(context.source) > MAX_SOURCE:
        problems.append(FieldError("source", f"at most {MAX_SOURCE} characters"))
    problems += details_problems(context.details)
    if len(context.links) > MAX_LINKS:
        problems.append(FieldError("links", f"at most {MAX_LINKS} links"))
    for index, link in enumerate(context.links[:MAX_LINKS]):
        problems += link_problems(link, f"links.{index}")
    return problems


def details_problems(details: Mapping[str, Any]) -> list[FieldError]:
    """The bounds of `details`: its encoded size and its depth."""
    if _depth(details) > MAX_DETAILS_DEPTH:
        return [FieldError("details", f"nested at most {MAX_DETAILS_DEPTH} levels deep")]
    size = len(json.dumps(details, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_DETAILS_BYTES:
        return [FieldError("details", f"at most {MAX_DETAILS_BYTES} bytes as JSON, got {size}")]
    return []


def link_problems(link: Link, where: str) -> list[FieldError]:
    """A link's bounds: an http(s) `href` and a short `text`."""
    problems = []
    if not link.href.startswith(("http://", "https://")) or len(link.href) > MAX_HREF:
        problems.append(
            FieldError(f"{where}.href", f"an http(s) URL of at most {MAX_HREF} characters")
        )
    if len(link.text) > MAX_LINK_TEXT:
        problems.append(FieldError(f"{where}.text", f"at most {MAX_LINK_TEXT} characters"))
    return problems


def _depth(value: Any) -> int:
    """How deeply `value` nests, iteratively (a hostile document nests deeper than Python
    recurses)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            deepest = max(deepest, depth + 1)
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth + 1)
            pending.extend((v, depth + 1) for v in item)
    return deepest


def fit_context(context: AlertContext) -> AlertContext:
    """`context` within the bounds: the source cut, links beyond the bounds dropped, and
    details too large or too deep replaced by a note saying so."""
    links = tuple(link for link in context.links if not link_problems(link, "link"))
    details = context.details
    problems = details_problems(details)
    if problems:
        details = {"pagerd_note": f"the details were dropped: {problems[0].message}"}
    source = context.source[:MAX_SOURCE] if context.source is not None else None
    return replace(context, source=source, details=details, links=links[:MAX_LINKS])


def detail_lines(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Details as (name, value) lines for people: text as is, anything else as JSON."""
    return [
        (str(name), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for name, value in details.items()
    ]
