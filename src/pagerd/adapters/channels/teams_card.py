"""What a Microsoft Teams channel receives: an Adaptive Card in the message envelope that
Teams Workflows ("Post to a channel when a webhook request is received") accepts.

    {"type": "message", "attachments": [{"contentType":
        "application/vnd.microsoft.card.adaptive", "content": {AdaptiveCard 1.4}}]}

One container per alert: severity and service as the heading, the summary, facts
(service, severity, level and pass counted from 1, since when), the source and details, the
alert's links, and two links: acknowledge (pagerd's signed link: Teams Workflows cannot call
pagerd back, so the card has no buttons) and the alert in the console. Text that comes from
alerts is put in TextRuns, which Teams shows as is (no Markdown), so an alert can never add
a link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pagerd.adapters.channels.rendering import ItemView, MessageRenderer, test_text
from pagerd.service_layer.paging import OutgoingPage

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
MAX_ALERTS = 10
MAX_DETAILS = 20
MAX_TEXT = 1000
MAX_DETAIL_TEXT = 200
_COLOURS = {"critical": "Attention", "error": "Attention", "warning": "Warning", "info": "Accent"}


def build_teams_message(
    page: OutgoingPage, renderer: MessageRenderer, now: datetime
) -> dict[str, Any]:
    """The JSON document POSTed to a Teams Workflows webhook for `page`."""
    if page.items[0].is_test:
        body: list[dict[str, Any]] = [_runs([_run(test_text(page))])]
    else:
        views = renderer.items(page, now)[:MAX_ALERTS]
        body = [_alert_container(view) for view in views]
        if len(page.items) > MAX_ALERTS:
            more = len(page.items) - MAX_ALERTS
            body.append(_runs([_run(f"And {more} more alerts: see the console.")]))
    card = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }
    attachment = {"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}
    return {"type": "message", "attachments": [attachment]}


def _alert_container(view: ItemView) -> dict[str, Any]:
    heading = _run(f"{view.severity.upper()} {_cut(view.service_name, 200)}", bold=True)
    heading["color"] = _COLOURS.get(view.severity, "Default")
    heading["size"] = "Medium"
    facts = [
        {"title": "Service", "value": _cut(view.service_name, 200)},
        {"title": "Severity", "value": view.severity},
        {"title": "Level", "value": f"level {view.level}, pass {view.pass_label}"},
        {"title": "Since", "value": f"{view.since} ({view.age} ago)"},
    ]
    items: list[dict[str, Any]] = [
        _runs([heading]),
        _runs([_run(_cut(view.message, MAX_TEXT))]),
        {"type": "FactSet", "facts": facts},
    ]
    lines = [f"source: {view.source}"] if view.source else []
    lines += [f"{name}: {value}" for name, value in view.details[:MAX_DETAILS]]
    if lines:
        items.append(_runs([_run(_cut(line, MAX_DETAIL_TEXT) + "\n") for line in lines]))
    links = [(link.text or link.href, link.href) for link in view.links if _is_web(link.href)]
    links += [("Acknowledge", view.ack_url), ("Open in pagerd", view.console_url)]
    items.append(_runs(_link_runs(links)))
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _link_runs(links: list[tuple[str, str]]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for text, href in links:
        if runs:
            runs.append(_run(" \u00b7 "))
        run = _run(_cut(text, MAX_DETAIL_TEXT))
        run["selectAction"] = {"type": "Action.OpenUrl", "url": href}
        run["color"] = "Accent"
        runs.append(run)
    return runs


def _runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": runs}


def _run(text: str, bold: bool = False) -> dict[str, Any]:
    run: dict[str, Any] = {"type": "TextRun", "text": text}
    if bold:
        run["weight"] = "Bolder"
    return run


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _is_web(href: str) -> bool:
    return href.lower().startswith(("https://", "http://"))
