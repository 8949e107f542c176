"""Benchmark: the CPU a sender spends composing one message, in-process, per channel.

Pages for 200 services and 50 recipients, one alert each with a source, details and links
(as in docs/channels.md), rendered round-robin, so per-message values (subject, Message-ID,
date, acknowledge link) differ from one message to the next as they do in production.
Figures are this thread's CPU time per message (`time.thread_time`), median of 5 rounds.

- e-mail: `SmtpEmailSender.compose` and the flattening `smtplib.send_message` does (a
  `BytesGenerator` with CRLF line ends): what a sender thread does per e-mail besides I/O;
- baseline in the same run: the message as `compose` made it before `email_policy` (a copy
  of that code: `email.policy.default`, the generator's boundary), and the check that both
  give the same bytes but for the multipart boundary (random per message);
- the text and HTML rendering alone (Jinja2), an SMS, a webhook body, a Slack message and a
  Teams card.
"""

from __future__ import annotations

import io
import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.report import Result, ratio
from pagerd.adapters.channels import smtp
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.slack import slack_message
from pagerd.adapters.channels.teams_card import build_teams_message
from pagerd.adapters.channels.webhook_format import build_payload
from pagerd.domain.channels import Channel
from pagerd.domain.context import Link
from pagerd.domain.severity import Severity
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from pagerd.service_layer.delivery import with_links
from pagerd.service_layer.paging import OutgoingPage, PageItem

SERVICES = 200
RECIPIENTS = 50
ROUNDS = 5
RATIO_TARGET = 0.6
FROM = "pagerd@example.com"
OPENED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LINKS = AckLinks("https://pagerd.example.com", AckLinkSigner(b"bench-secret-key"))


class _FixedClock:
    def __init__(self) -> None:
        self.moment = OPENED + timedelta(minutes=4)

    def now(self) -> datetime:
        self.moment += timedelta(milliseconds=250)  # a new Date header every few messages
        return self.moment


def _page(channel: Channel, n: int) -> OutgoingPage:
    item = PageItem(
        notification_id=UUID(int=(1 << 64) + n),
        alert_id=UUID(int=(2 << 64) + n),
        monitored_service_id=UUID(int=(3 << 64) + n % SERVICES),
        service_name=f"service-{n % SERVICES}",
        message=f"service-{n % SERVICES}: HTTP 5xx above 5% for 10 m on POST /charge ({n})",
        level=0,
        pass_number=0,
        target_id=UUID(int=(4 << 64) + n % RECIPIENTS),
        alert_created_at=OPENED,
        severity=Severity.CRITICAL,
        source="api-7.prod.example.com",
        details={"error_rate": "6.2%", "region": "eu-west-1", "labels": {"team": "payments"}},
        links=(Link("https://runbooks.example.com/5xx", "Runbook"),),
    )
    address = {
        Channel.EMAIL: f"person-{n % RECIPIENTS}@example.com",
        Channel.SMS: f"+54926642{n % RECIPIENTS:05d}",
    }.get(channel, "https://hooks.example.com/pagerd")
    return OutgoingPage(channel, address, (with_links(item, LINKS, OPENED),))


def _sender(renderer: MessageRenderer, clock: _FixedClock | None = None) -> smtp.SmtpEmailSender:
    config = smtp.SmtpConfig("localhost", starttls=False, from_address=FROM)
    return smtp.SmtpEmailSender(config, renderer, clock or _FixedClock())


def _flatten(message: EmailMessage) -> bytes:
    out = io.BytesIO()
    BytesGenerator(out).flatten(message, linesep="\r\n")  # as smtplib.send_message does
    return out.getvalue()


def _cpu_us(work: Callable[[int], Any], count: int) -> float:
    """Median over ROUNDS of this thread's CPU microseconds per call of work(n)."""
    per_call = []
    for round_ in range(ROUNDS):
        started = time.thread_time()
        for n in range(count):
            work(round_ * count + n)
        per_call.append((time.thread_time() - started) / count * 1e6)
    return statistics.median(per_call)


def _compose_as_before(
    renderer: MessageRenderer, clock: _FixedClock, page: OutgoingPage
) -> EmailMessage:
    """`SmtpEmailSender.compose` as it was: `email.policy.default`, the generator's boundary."""
    now = clock.now()
    rendered = renderer.email(page, now)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = FROM
    message["To"] = page.address
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{page.idempotency_key}@pagerd>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


_BOUNDARY = re.compile(rb'boundary="([^"]+)"')


def _without_boundary(flat: bytes) -> bytes:
    """`flat` with its multipart boundary (random per message) replaced by a fixed one."""
    found = _BOUNDARY.search(flat)
    return flat.replace(found.group(1), b"==boundary==") if found else flat


def _same_bytes(renderer: MessageRenderer, count: int) -> bool:
    """Whether `compose` gives the bytes it gave before for `count` pages, but for the
    random boundary."""
    sender, clock = _sender(renderer), _FixedClock()
    return all(
        _without_boundary(_flatten(sender.compose(_page(Channel.EMAIL, n))))
        == _without_boundary(_flatten(_compose_as_before(renderer, clock, _page(Channel.EMAIL, n))))
        for n in range(count)
    )


def run_render(quick: bool, directory: Path, backends: list[str]) -> Result:
    count = 200 if quick else 1000
    renderer = MessageRenderer()
    clock = _FixedClock()
    sender = _sender(renderer, clock)
    pages = {
        channel: [_page(channel, n) for n in range(count * ROUNDS)]
        for channel in (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK)
    }
    emails = pages[Channel.EMAIL]
    now = clock.now()

    baseline = _cpu_us(lambda n: _flatten(_compose_as_before(renderer, clock, emails[n])), count)
    composed = _cpu_us(lambda n: _flatten(sender.compose(emails[n])), count)
    result = Result("render")
    result.figures["pages"] = f"{count} per round, {SERVICES} services, {RECIPIENTS} recipients"
    result.figures["baseline: e-mail composed as before, CPU us"] = round(baseline, 1)
    result.figures["e-mail compose + flatten, CPU us"] = round(composed, 1)
    result.figures["e-mail ratio to baseline"] = ratio(composed, baseline)
    result.figures["e-mail text + HTML (Jinja2) alone, CPU us"] = round(
        _cpu_us(lambda n: renderer.email(emails[n], now), count), 1
    )
    sms, hooks = pages[Channel.SMS], pages[Channel.WEBHOOK]
    result.figures["SMS, CPU us"] = round(_cpu_us(lambda n: renderer.sms(sms[n], now), count), 1)
    result.figures["webhook body, CPU us"] = round(
        _cpu_us(lambda n: build_payload(hooks[n], renderer, now), count), 1
    )
    result.figures["Slack message, CPU us"] = round(
        _cpu_us(lambda n: slack_message(hooks[n], renderer, now), count), 1
    )
    result.figures["Teams card, CPU us"] = round(
        _cpu_us(lambda n: build_teams_message(hooks[n], renderer, now), count), 1
    )
    same = _same_bytes(renderer, 100)
    result.check(
        "e-mail bytes the same as before, but the random boundary (100 pages)",
        "identical",
        "identical" if same else "DIFFERENT",
        same,
    )
    result.check(
        "e-mail compose + flatten vs as before",
        f"<= {RATIO_TARGET}",
        ratio(composed, baseline),
        ratio(composed, baseline) <= RATIO_TARGET,
    )
    return result
