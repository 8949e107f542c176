"""What a Microsoft Teams channel receives: an Adaptive Card in the Workflows envelope."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.teams_card import CARD_CONTENT_TYPE, MAX_ALERTS, build_teams_message
from pagerd.domain.channels import Channel
from pagerd.domain.context import Link
from pagerd.domain.severity import Severity
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from pagerd.service_layer.delivery import with_links
from pagerd.service_layer.paging import OutgoingPage, PageItem

OPENED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
NOW = OPENED + timedelta(minutes=3)
SIGNER = AckLinkSigner(b"test-secret")
LINKS = AckLinks("https://pagerd.example.com", SIGNER)
RENDERER = MessageRenderer()
URL = "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"


def item(**kw: object) -> PageItem:
    fields: dict[str, object] = {
        "notification_id": uuid4(),
        "alert_id": uuid4(),
        "monitored_service_id": uuid4(),
        "service_name": "checkout",
        "message": "checkout: HTTP 503 on /pay",
        "level": 1,
        "pass_number": 0,
        "target_id": uuid4(),
        "alert_created_at": OPENED,
        "severity": Severity.WARNING,
        "source": "prometheus",
        "details": {"region": "eu-west-1", "errors": 42},
        "links": (Link("https://runbooks.example.com/pay", "Runbook"), Link("javascript:x", "x")),
    }
    fields.update(kw)
    made = PageItem(**fields)  # type: ignore[arg-type]
    return with_links(made, LINKS, NOW)  # as the claim makes them


def card_of(*items: PageItem) -> dict[str, Any]:
    message = build_teams_message(OutgoingPage(Channel.TEAMS, URL, items), RENDERER, NOW)
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    card: dict[str, Any] = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    json.dumps(message)  # it is JSON as it stands
    return card


def runs(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every TextRun under `node`."""
    found: list[dict[str, Any]] = []
    if node.get("type") == "TextRun":
        found.append(node)
    for key in ("body", "items", "inlines"):
        for child in node.get(key, []):
            found += runs(child)
    return found


def test_the_card_shows_service_severity_summary_details_links_and_level() -> None:
    one = item()
    card = card_of(one)

    [container] = card["body"]
    texts = [r["text"] for r in runs(card)]
    assert texts[0] == "WARNING checkout"
    assert "HTTP 503 on /pay" in texts
    assert "region: eu-west-1\n" in texts
    assert "errors: 42\n" in texts
    facts = {f["title"]: f["value"] for f in container["items"][2]["facts"]}
    assert facts["Severity"] == "warning"
    assert facts["Level"] == "level 2, pass 1"
    assert "source: prometheus\n" in texts  # from the alert: a TextRun, not a fact
    assert facts["Since"] == "2026-01-01 09:00:00 UTC (3 min ago)"
    links = {r["text"]: r["selectAction"]["url"] for r in runs(card) if "selectAction" in r}
    assert links["Runbook"] == "https://runbooks.example.com/pay"
    assert "x" not in links  # only web links are shown
    assert links["Open in pagerd"] == f"https://pagerd.example.com/alerts/{one.alert_id}"
    claim = SIGNER.verify(links["Acknowledge"].rsplit("/", 1)[1], NOW)
    assert (claim.alert_id, claim.target_id) == (one.alert_id, one.target_id)


def test_the_card_has_links_but_no_buttons_and_alert_text_is_never_markdown() -> None:
    card = card_of(item(message="[click](https://evil.example.com) **now**"))

    assert "actions" not in card
    serialized = json.dumps(card)
    assert "Action.Submit" not in serialized
    assert "Action.Execute" not in serialized
    # Alert text only ever sits in TextRuns (shown as is), never in a Markdown TextBlock.
    assert '"type": "TextBlock"' not in json.dumps(card)
    assert "[click](https://evil.example.com) **now**" in [r["text"] for r in runs(card)]


def test_a_card_for_many_alerts_shows_the_first_ten_and_counts_the_rest() -> None:
    card = card_of(*[item(service_name=f"svc{i}", message="down") for i in range(MAX_ALERTS + 3)])

    assert len(card["body"]) == MAX_ALERTS + 1
    assert runs(card["body"][-1])[0]["text"] == "And 3 more alerts: see the console."


def test_long_details_are_cut_so_the_card_stays_small() -> None:
    details = {f"k{i}": "v" * 5000 for i in range(100)}
    message = build_teams_message(
        OutgoingPage(Channel.TEAMS, URL, (item(message="m" * 50_000, details=details),)),
        RENDERER,
        NOW,
    )
    assert len(json.dumps(message)) < 28_000  # what a Teams message may carry


def test_a_test_message_is_a_card_that_says_so() -> None:
    card = card_of(item(is_test=True, service_name="pagerd", message="test message to ops"))

    [only] = runs(card)
    assert "This is a test" in only["text"]
