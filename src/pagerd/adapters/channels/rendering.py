"""What a page says: e-mail subject, text and HTML bodies, and SMS text.

Every message names what is down (the service once, and the alert's summary), how bad
(severity), and how to acknowledge. Channel by channel:

- e-mail: everything: summary whole, severity, source, details, links, since when, the
  level and pass (counted from 1 for people, as in the console), the console link and a
  signed acknowledge link;
- SMS: severity, service and the start of the summary (whole when it fits), the reply code,
  and the acknowledge link when it fits (the code acknowledges too): at most 2 segments;
- webhook (`webhook_format`): everything, levels also 0-based as in the API;
- voice (`twiml`): severity, service and summary read out, then "press 1 to acknowledge,
  2 to escalate";
- Microsoft Teams (`teams_card`): an Adaptive Card with everything and the links.

A summary that starts with the service's name (`payments: HTTP 5xx`) is shown without it
next to the name. HTML is rendered by Jinja2 with autoescape, so an alert can never inject
markup into an e-mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape as escape_html

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pagerd.adapters.channels import gsm
from pagerd.domain.context import Link, detail_lines
from pagerd.service_layer.paging import OutgoingPage, PageItem

SUBJECT_MAX = 150
SMS_MAX_SEGMENTS = 2
SMS_MESSAGE_FLOOR = 24  # never cut an alert message shorter than this


@dataclass(frozen=True)
class ItemView:
    """One alert of a message, ready for a template. `level` and `pass_label` count from 1."""

    service_name: str
    message: str
    severity: str
    source: str | None
    details: list[tuple[str, str]]
    links: tuple[Link, ...]
    level: int
    pass_label: int
    since: str
    age: str
    ack_url: str
    console_url: str


@dataclass(frozen=True)
class RenderedEmail:
    """An e-mail's subject and its two alternative bodies."""

    subject: str
    text: str
    html: str


class MessageRenderer:
    """Renders pages. The links and reply codes are the items' own: the claim that leased
    the page made them (signed then, so each attempt gets a fresh expiry)."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("pagerd.adapters.channels", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates ship with pagerd: compiled once, never checked for changes on disk
            # (auto_reload stats the file at every message).
            auto_reload=False,
        )

    def ack_url(self, item: PageItem) -> str:
        """The acknowledge link of one item ("" for a test message)."""
        return "" if item.is_test else item.ack_url

    def console_url(self, item: PageItem) -> str:
        """The alert's page in the console."""
        return item.console_url

    def items(self, page: OutgoingPage, now: datetime) -> list[ItemView]:
        """The page's items as the templates see them."""
        return [
            ItemView(
                service_name=item.service_name,
                message=summary(item),
                severity=item.severity.value,
                source=item.source,
                details=detail_lines(item.details),
                links=item.links,
                level=item.level + 1,
                pass_label=item.pass_number + 1,
                since=item.alert_created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                age=format_age(now - item.alert_created_at),
                ack_url=self.ack_url(item),
                console_url=self.console_url(item),
            )
            for item in page.items
        ]

    def email(self, page: OutgoingPage, now: datetime) -> RenderedEmail:
        """Subject, plain text and HTML of an e-mail page."""
        if page.items[0].is_test:
            text = test_text(page)
            return RenderedEmail(TEST_SUBJECT, text, f"<p>{escape_html(text)}</p>")
        items = self.items(page, now)
        subject = email_subject(page.items)
        text = self._env.get_template("page.txt").render(items=items, subject=subject)
        html = self._env.get_template("page.html").render(items=items, subject=subject)
        return RenderedEmail(subject, text, html)

    def sms(self, page: OutgoingPage, now: datetime) -> str:
        """SMS text, with each item's reply code (issued when the page was claimed)."""
        if page.items[0].is_test:
            return gsm.to_gsm7(test_text(page))
        entries = [
            SmsEntry(
                gsm.to_gsm7(_one_line(item.service_name)),
                gsm.to_gsm7(_one_line(summary(item))),
                item.reply_code or "",
                self.ack_url(item),
                item.severity.value.upper(),
            )
            for item in page.items
        ]
        return render_sms(entries)


@dataclass(frozen=True)
class SmsEntry:
    """One alert of an SMS."""

    service_name: str
    message: str
    code: str
    ack_url: str
    severity: str = "CRITICAL"


def render_sms(entries: Sequence[SmsEntry]) -> str:
    """The SMS text, the first that fits of: the summaries whole with the links in one
    segment; whole without the links (the reply code acknowledges) in one segment; whole
    with the links in SMS_MAX_SEGMENTS; then cut (to a floor) to fit SMS_MAX_SEGMENTS."""
    for links, segments in ((True, 1), (False, 1), (True, SMS_MAX_SEGMENTS)):
        text = _sms_text(entries, None, links)
        if gsm.segments(text) <= segments:
            return text
    full = _sms_text(entries, None, False)
    overhead = gsm.units(_sms_text(entries, 0, False))
    part = gsm.GSM_PART if gsm.is_gsm7(full) else gsm.UCS2_PART
    budget = (part * SMS_MAX_SEGMENTS - overhead) // len(entries)
    return _sms_text(entries, max(SMS_MESSAGE_FLOOR, budget), False)


def _sms_text(entries: Sequence[SmsEntry], message_units: int | None, links: bool) -> str:
    def message(entry: SmsEntry) -> str:
        if message_units is None:
            return entry.message
        return gsm.truncate(entry.message, message_units) if message_units else ""

    if len(entries) == 1:
        (e,) = entries
        reply = f"Reply ACK {e.code}" + (f" or {e.ack_url}" if links else "")
        return f"{e.severity} {e.service_name}: {message(e)}\n{reply}"
    lines = [f"pagerd: {len(entries)} alerts"]
    lines += [
        f"{e.severity} {e.service_name}: {message(e)} ACK {e.code}"
        + (f" {e.ack_url}" if links else "")
        for e in entries
    ]
    return "\n".join(lines)


def summary(item: PageItem) -> str:
    """The alert's message without a leading copy of its service's name (`payments: ...`),
    which messages show next to it already."""
    message, name = item.message, item.service_name
    if message.lower().startswith(name.lower()):
        rest = message[len(name) :]
        stripped = rest.lstrip(" :-\u2013\u2014")
        if stripped and rest[:1] in (":", " ", "-", "\u2013", "\u2014"):
            return stripped
    return message


TEST_SUBJECT = "[pagerd] Test message"


def test_text(page: OutgoingPage) -> str:
    """What a test message says: which contact method, and that nothing is wrong."""
    item = page.items[0]
    return (
        f"pagerd {item.message}. This is a test: nothing is down and there is nothing to "
        "acknowledge."
    )


def email_subject(items: Sequence[PageItem]) -> str:
    """`[pagerd] CRITICAL checkout: disk full`, or `[pagerd] 3 alerts: checkout, search`."""
    if len(items) == 1:
        item = items[0]
        subject = f"[pagerd] {item.severity.value.upper()} {item.service_name}: {summary(item)}"
    else:
        names = list(dict.fromkeys(item.service_name for item in items))
        subject = f"[pagerd] {len(items)} alerts: {', '.join(names)}"
    subject = _one_line(subject)
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 3] + "..."


def _one_line(text: str) -> str:
    # Headers and SMS lines must not carry line breaks from an alert message.
    return " ".join(text.split())


def format_age(age: timedelta) -> str:
    """`42 s`, `5 min`, `2 h 10 min`, `3 d 4 h`."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
