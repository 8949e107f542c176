"""TwiML: what a voice call says, and what pagerd answers to a keypress.

A page call reads every alert it carries (severity, service, summary) inside a
`<Gather numDigits="1">` whose action is pagerd's keypress endpoint, twice, then says
goodbye if no key was pressed. Alert text is escaped (it can never add a TwiML verb) and
cut short, so the document stays well inside the 4,000 characters Twilio accepts inline.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from pagerd.adapters.channels.rendering import summary, test_text
from pagerd.service_layer.paging import OutgoingPage, PageItem

PROMPT = "Press 1 to acknowledge, 2 to escalate."
GATHER_TIMEOUT_SECONDS = 8
MAX_ALERTS_READ = 5
MAX_SUMMARY_CHARS = 200
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# Characters XML 1.0 forbids, and runs of white space (line breaks read out as nothing).
_UNSPEAKABLE = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff\s]+")


def call_script(page: OutgoingPage) -> str:
    """The words a call reads out, prompt included (a test call: the test text only)."""
    if page.items[0].is_test:
        return _speakable(test_text(page))
    items = page.items[:MAX_ALERTS_READ]
    intro = (
        "This is pagerd." if len(page.items) == 1 else f"This is pagerd, {len(page.items)} alerts."
    )
    spoken = " ".join(_alert_words(item) for item in items)
    more = len(page.items) - len(items)
    rest = f" And {more} more, in the console." if more else ""
    return f"{intro} {spoken}{rest} {PROMPT}"


def _alert_words(item: PageItem) -> str:
    text = _speakable(summary(item))
    if len(text) > MAX_SUMMARY_CHARS:
        text = text[: MAX_SUMMARY_CHARS - 3].rstrip() + "..."
    name = _speakable(item.service_name)
    level = f"level {item.level + 1}"
    return f"{item.severity.value.capitalize()} alert on {name}, {level}: {text.rstrip('.')}."


def _speakable(text: str) -> str:
    return _UNSPEAKABLE.sub(" ", text).strip()


def call_twiml(page: OutgoingPage, gather_url: str) -> str:
    """The TwiML of a page call: the alerts read inside a one-digit Gather posting to
    `gather_url`. A test call only speaks and hangs up."""
    words = escape(call_script(page))
    if page.items[0].is_test:
        return f"{XML_DECLARATION}<Response><Say>{words}</Say></Response>"
    return (
        f"{XML_DECLARATION}<Response>"
        f'<Gather numDigits="1" action={quoteattr(gather_url)} method="POST" '
        f'timeout="{GATHER_TIMEOUT_SECONDS}">'
        f'<Say loop="2">{words}</Say>'
        "</Gather>"
        "<Say>No key was pressed. Goodbye.</Say>"
        "</Response>"
    )


def say_twiml(text: str) -> str:
    """A TwiML document that says `text` and hangs up."""
    return f"{XML_DECLARATION}<Response><Say>{escape(_speakable(text))}</Say><Hangup/></Response>"


def gather_again_twiml(gather_url: str) -> str:
    """Answer to a key that means nothing: say so and listen again."""
    return (
        f"{XML_DECLARATION}<Response>"
        f'<Gather numDigits="1" action={quoteattr(gather_url)} method="POST" '
        f'timeout="{GATHER_TIMEOUT_SECONDS}">'
        f"<Say>Sorry, that key does nothing. {PROMPT}</Say>"
        "</Gather>"
        "<Say>Goodbye.</Say>"
        "</Response>"
    )
