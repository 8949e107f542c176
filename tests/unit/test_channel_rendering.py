"""What pages say: e-mail subject and bodies, SMS text and its length."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from pagerd.adapters.channels import gsm
from pagerd.adapters.channels.rendering import MessageRenderer, SmsEntry, format_age, render_sms
from pagerd.domain.channels import Channel
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from pagerd.service_layer.delivery import with_links
from pagerd.service_layer.paging import OutgoingPage, PageItem

OPENED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
NOW = OPENED + timedelta(minutes=7)
SIGNER = AckLinkSigner(b"test-secret")


LINKS = AckLinks("https://pagerd.example.com", SIGNER)


def renderer() -> MessageRenderer:
    return MessageRenderer()


def item(service: str = "checkout", message: str = "checkout is down", level: int = 0) -> PageItem:
    return PageItem(
        notification_id=uuid4(),
        alert_id=uuid4(),
        monitored_service_id=uuid4(),
        service_name=service,
        message=message,
        level=level,
        pass_number=0,
        target_id=uuid4(),
        alert_created_at=OPENED,
    )


def page(*items: PageItem, channel: Channel = Channel.EMAIL) -> OutgoingPage:
    """The page as its claim hands it over: links signed now, an SMS reply code 4821."""
    code = "4821" if channel is Channel.SMS else None
    linked = tuple(replace(with_links(i, LINKS, NOW), reply_code=code) for i in items)
    return OutgoingPage(channel, "alice@example.com", linked)


def test_an_email_says_what_is_down_since_when_at_which_level_and_how_to_acknowledge() -> None:
    one = item(message="HTTP 503 on /pay")
    rendered = renderer().email(page(one), NOW)

    assert rendered.subject == "[pagerd] CRITICAL checkout: HTTP 503 on /pay"
    for body in (rendered.text, rendered.html):
        assert "checkout" in body
        assert "critical" in body.lower()
        assert "HTTP 503 on /pay" in body
        assert "2026-01-01 09:00:00 UTC" in body
        assert "7 min ago" in body
        assert "level 1, pass 1" in body  # level id 0, counted from 1 as the console does
        assert "1 alert needs you" in body
    link = next(w for w in rendered.text.split() if w.startswith("https://pagerd.example.com/ack/"))
    claim = SIGNER.verify(link.rsplit("/", 1)[1], NOW)
    assert (claim.alert_id, claim.target_id) == (one.alert_id, one.target_id)
    assert f'href="{link}"' in rendered.html
    console = f"https://pagerd.example.com/alerts/{one.alert_id}"
    assert f"Open:         {console}" in rendered.text
    assert f'href="{console}"' in rendered.html


def test_a_grouped_email_counts_its_alerts_and_links_each_one() -> None:
    items = (item("checkout"), item("search"), item("checkout", "slow"))
    rendered = renderer().email(page(*items), NOW)

    assert rendered.subject == "[pagerd] 3 alerts: checkout, search"
    assert "3 alerts need you" in rendered.text
    assert rendered.text.count("https://pagerd.example.com/ack/") == 3
    assert rendered.html.count("/ack/") == 3


def test_an_alert_message_cannot_inject_markup_into_the_html_part() -> None:
    rendered = renderer().email(page(item("<b>svc</b>", "<script>alert(1)</script>")), NOW)

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "<script>alert(1)</script>" in rendered.text  # plain text is not escaped


def test_a_subject_stays_on_one_line_and_short() -> None:
    rendered = renderer().email(
        page(item(message="line one\r\nBcc: evil@example.com" + "x" * 300)), NOW
    )

    assert "\n" not in rendered.subject
    assert "\r" not in rendered.subject
    assert len(rendered.subject) <= 150


def test_an_sms_names_the_service_the_message_the_reply_code_and_a_link() -> None:
    one = item(message="disk full")
    text = renderer().sms(page(one, channel=Channel.SMS), NOW)

    assert text.startswith(
        "CRITICAL checkout: disk full\nReply ACK 4821 or https://pagerd.example.com/ack/"
    )
    assert gsm.segments(text) == 1


def test_a_long_alert_message_is_cut_to_keep_the_sms_in_two_segments_without_the_link() -> None:
    one = item(message="database primary unreachable from every replica " * 10)
    text = renderer().sms(page(one, channel=Channel.SMS), NOW)

    assert gsm.segments(text) == 2
    assert text.startswith("CRITICAL checkout: database primary unreachable")
    assert "..." in text
    assert text.endswith("\nReply ACK 4821")  # the code acknowledges; the link did not fit


def test_a_summary_that_fits_whole_without_the_link_drops_the_link_not_the_summary() -> None:
    summary = "HTTP 5xx above 5% for 10 m on the payments API, all regions, since deploy 4812"
    one = item(service="payments", message=f"payments: {summary}")
    text = renderer().sms(page(one, channel=Channel.SMS), NOW)

    assert text == f"CRITICAL payments: {summary}\nReply ACK 4821"  # the name once
    assert gsm.segments(text) == 1


def test_an_email_names_the_service_once_and_keeps_the_summary_whole() -> None:
    summary = "HTTP 5xx above 5% for 10 m " + "and more " * 40
    rendered = renderer().email(page(item("payments", f"payments: {summary}")), NOW)

    assert "payments: payments" not in rendered.subject
    assert summary.strip() in rendered.text


def test_accented_latin_letters_are_simplified_so_that_the_sms_stays_gsm7() -> None:
    one = item(service="caisse", message="paiement refusé: ô erreur")
    text = renderer().sms(page(one, channel=Channel.SMS), NOW)

    assert "paiement refusé: o erreur" in text  # é is GSM-7, ô is not
    assert gsm.is_gsm7(text)


def test_a_grouped_sms_gives_each_alert_its_code() -> None:
    entries = [
        SmsEntry("checkout", "down", "4821", "https://p.example/ack/a"),
        SmsEntry("search", "slow", "1234", "https://p.example/ack/b"),
    ]
    text = render_sms(entries)

    assert text.splitlines() == [
        "pagerd: 2 alerts",
        "CRITICAL checkout: down ACK 4821 https://p.example/ack/a",
        "CRITICAL search: slow ACK 1234 https://p.example/ack/b",
    ]


def test_gsm7_counts_extended_characters_twice_and_other_scripts_as_ucs2() -> None:
    assert gsm.units("a{b}") == 6
    assert gsm.segments("x" * 160) == 1
    assert gsm.segments("x" * 161) == 2
    assert gsm.segments("ж" * 70) == 1
    assert gsm.segments("ж" * 71) == 2


def test_ages_read_like_a_person_would_say_them() -> None:
    assert format_age(timedelta(seconds=42)) == "42 s"
    assert format_age(timedelta(minutes=5, seconds=3)) == "5 min"
    assert format_age(timedelta(hours=2, minutes=10)) == "2 h 10 min"
    assert format_age(timedelta(days=3, hours=4)) == "3 d 4 h"
