"""Real examples of every message kind, rendered by pagerd's own code for docs/channels.md.

`python -m pagerd.testing.channel_examples` prints the Markdown block the document holds
between its `<!-- channel-examples -->` markers; a test fails when the two differ, so the
examples cannot drift from what is sent. Ids, times and the secret key are fixed, so the
output is the same on every run.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.slack import slack_edit, slack_message
from pagerd.adapters.channels.teams_card import build_teams_message
from pagerd.adapters.channels.twiml import call_script, call_twiml
from pagerd.adapters.channels.voice_urls import VoiceCallUrls
from pagerd.adapters.channels.webhook_format import build_payload
from pagerd.domain.channels import Channel
from pagerd.domain.context import Link
from pagerd.domain.severity import Severity
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from pagerd.service_layer.delivery import with_links
from pagerd.service_layer.paging import OutgoingPage, PageItem

START, END = "<!-- channel-examples -->", "<!-- /channel-examples -->"
OPENED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SENT = OPENED + timedelta(minutes=4)
PUBLIC_URL = "https://pagerd.example.com"
SUMMARY = "HTTP 5xx above 5% for 10 m on POST /charge"


def _id(n: int) -> UUID:
    return UUID(int=0x0C0A6D3E6F0B4A439A551F4F8F2B0000 + n)


def _item(n: int, service: str, message: str, **context: object) -> PageItem:
    return PageItem(
        notification_id=_id(100 + n),
        alert_id=_id(n),
        monitored_service_id=_id(200 + n),
        service_name=service,
        message=message,
        level=0,
        pass_number=0,
        target_id=_id(300 + n),
        alert_created_at=OPENED,
        **context,  # type: ignore[arg-type]
    )


PAYMENTS = _item(
    1,
    "payments",
    f"payments: {SUMMARY}",
    severity=Severity.CRITICAL,
    source="api-7.prod.example.com",
    details={"error_rate": "6.2%", "region": "eu-west-1", "labels": {"team": "payments"}},
    links=(
        Link("https://runbooks.example.com/payments/5xx", "Runbook"),
        Link("https://grafana.example.com/d/payments", "Dashboard"),
    ),
)
SEARCH = _item(2, "search", "p99 latency above 2 s", severity=Severity.WARNING)
LONG = _item(
    3,
    "payments",
    "Card authorisations failing for every issuer in eu-west-1 since the 09:00 deploy: "
    "timeouts talking to the tokenisation service, retries exhausted, queue backing up "
    "at 4,000 messages a minute",
    severity=Severity.ERROR,
)


LINKS = AckLinks(PUBLIC_URL, AckLinkSigner(b"example-secret-key"))
CODES = {_id(1): "4821", _id(2): "1234", _id(3): "4821"}


def _page(channel: Channel, address: str, *items: PageItem) -> OutgoingPage:
    """The page as a claim hands it to a sender: links signed at SENT, reply codes on SMS."""
    linked = [with_links(item, LINKS, SENT) for item in items]
    if channel is Channel.SMS:
        linked = [replace(item, reply_code=CODES[item.alert_id]) for item in linked]
    return OutgoingPage(channel, address, tuple(linked))


def _fence(text: str, kind: str = "") -> str:
    return f"```{kind}\n{text.rstrip()}\n```"


def examples_markdown() -> str:
    """The Markdown of every example, as the document holds it."""
    renderer = MessageRenderer()
    email = renderer.email(_page(Channel.EMAIL, "alice@example.com", PAYMENTS), SENT)
    group = renderer.email(_page(Channel.EMAIL, "alice@example.com", PAYMENTS, SEARCH), SENT)
    sms = renderer.sms(_page(Channel.SMS, "+5492664295169", PAYMENTS), SENT)
    long_sms = renderer.sms(_page(Channel.SMS, "+5492664295169", LONG), SENT)
    sms_group = renderer.sms(_page(Channel.SMS, "+5492664295169", PAYMENTS, SEARCH), SENT)
    webhook = build_payload(
        _page(Channel.WEBHOOK, "https://hooks.example.com", PAYMENTS), renderer, SENT
    )
    slack = slack_message(_page(Channel.SLACK, "C0123ABCD", PAYMENTS), renderer, SENT)
    acknowledged = replace(
        PAYMENTS,
        edit_of="C0123ABCD/1701594240.000100",
        status_line="Acknowledged by alice at 09:06 UTC",
    )
    edited = slack_edit(acknowledged)
    call = _page(Channel.VOICE, "+5492664295169", PAYMENTS)
    teams = build_teams_message(
        _page(Channel.TEAMS, "https://prod-00.westeurope.logic.azure.com/workflows/…", PAYMENTS),
        renderer,
        SENT,
    )
    parts = [
        "### E-mail, one alert",
        f"Subject: `{email.subject}`",
        _fence(email.text),
        "The HTML part says the same, with the severity as a coloured bar, the links as links "
        "and two buttons: **Acknowledge** and **Open in pagerd**.",
        "### E-mail, two alerts for one address",
        f"Subject: `{group.subject}`",
        _fence(group.text),
        "### SMS, one alert (summary whole; the link did not fit, the code acknowledges)",
        _fence(sms),
        "### SMS, a long summary (whole in two segments; longer ones are cut with `...`)",
        _fence(long_sms),
        "### SMS, two alerts for one phone",
        _fence(sms_group),
        "### Webhook body",
        _fence(json.dumps(webhook, indent=2, ensure_ascii=False), "json"),
        "### Slack message (`chat.postMessage`: its text, and its Block Kit blocks)",
        f"Text (notifications and screen readers): `{slack['text']}`",
        _fence(json.dumps(slack["blocks"], indent=2, ensure_ascii=False), "json"),
        "Slack draws the header, the summary, the facts in two columns, the links, and the "
        "**Acknowledge** (green), **Resolve** (red) and **Open in pagerd** buttons.",
        "### Slack message once acknowledged (`chat.update` of the same message)",
        f"Text: `{edited['text']}`",
        _fence(json.dumps(edited["blocks"], indent=2, ensure_ascii=False), "json"),
        "### Voice call, one alert (read out twice, then goodbye if no key is pressed)",
        _fence(call_script(call)),
        "The `Twiml` field of the call, as posted to Twilio:",
        _fence(call_twiml(call, VoiceCallUrls(PUBLIC_URL).gather(call)), "xml"),
        "### Microsoft Teams card",
        _fence(json.dumps(teams, indent=2, ensure_ascii=False), "json"),
    ]
    return "\n\n".join(parts)


def examples_block() -> str:
    """The examples between their markers."""
    return f"{START}\n\n{examples_markdown()}\n\n{END}"


if __name__ == "__main__":
    print(examples_block())
