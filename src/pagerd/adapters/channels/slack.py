"""Slack: pages as Block Kit messages through Slack's Web API (`slack_sdk`, a bot token).

A page to a Slack channel id (a policy target) or a member id (a contact method: Slack
opens the direct message with the app) is one `chat.postMessage`; its answer's channel and
`ts` are the message's reference (`channel/ts`), stored on the notification with `sent`.
An edit (`PageItem.edit_of`: the alert was acknowledged or resolved) is one `chat.update`
of that reference, without the buttons. Slack has no idempotency key: every message names
its notification (in its text and its metadata), so a re-send after a crash between Slack's
answer and the commit that records it is recognisable as the same page.

Errors: HTTP 429 is transient and carries Slack's `Retry-After`; 5xx, network failures and
Slack's own transient errors are transient; any other `ok: false` is permanent (a wrong
channel, a revoked token: retrying cannot help). The SDK's own retries are off: the outbox
retries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.rendering import MessageRenderer, summary, test_text
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, PageItem, Sender
from pagerd.service_layer.ports import Clock

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError
    from slack_sdk.signature import Clock as SlackClock

# slack_sdk is imported where it is used: only a pagerd with Slack configured needs it, and
# its import was a part of `pagerd serve`'s start-up.

DEFAULT_API_BASE = "https://slack.com/api"
DEFAULT_TIMEOUT = 10
ACKNOWLEDGE_ACTION = "pagerd_acknowledge"
RESOLVE_ACTION = "pagerd_resolve"
METADATA_EVENT = "pagerd_page"
# Slack's errors that say "later", not "never" (answered with HTTP 200 and ok: false).
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "service_unavailable", "fatal_error", "internal_error", "request_timeout"}
)
_HEADER_MAX = 150  # Slack's limit for a header block's text
_SECTION_MAX = 3000  # and for a section's


@dataclass(frozen=True)
class SlackConfig:
    """The bot token (`xoxb-...`); `api_base` is replaceable for tests."""

    bot_token: str
    api_base: str = DEFAULT_API_BASE
    timeout: int = DEFAULT_TIMEOUT

    @property
    def base_url(self) -> str:
        """The SDK's base URL: the API base with one trailing slash."""
        return self.api_base.rstrip("/") + "/"


class SlackSender:
    """Implements the Sender port for Slack: posts pages, edits them once answered."""

    def __init__(
        self,
        config: SlackConfig,
        renderer: MessageRenderer,
        clock: Clock,
        client: WebClient | None = None,
    ) -> None:
        self._renderer = renderer
        self._clock = clock
        if client is None:
            from slack_sdk import WebClient

            client = WebClient(
                token=config.bot_token,
                base_url=config.base_url,
                timeout=config.timeout,
                retry_handlers=[],  # the outbox retries, with backoff and Retry-After
            )
        self._client = client

    def send(self, page: OutgoingPage) -> DeliveryResult:
        from slack_sdk.errors import SlackApiError

        try:
            if page.items[0].edit_of is not None:
                return self._edit(page, page.items[0].edit_of)
            message = slack_message(page, self._renderer, self._clock.now())
            response = self._client.chat_postMessage(
                channel=page.address, unfurl_links=False, unfurl_media=False, **message
            )
            reference = f"{response['channel']}/{response['ts']}"
        except SlackApiError as exc:
            return classify_slack_error(exc)
        except Exception as exc:  # a sender must not raise: every failure is a result
            return DeliveryResult.transient(f"Slack unreachable: {type(exc).__name__}: {exc}")
        return DeliveryResult.delivered(message_ref=reference)

    def _edit(self, page: OutgoingPage, reference: str) -> DeliveryResult:
        channel, _, ts = reference.partition("/")
        self._client.chat_update(channel=channel, ts=ts, **slack_edit(page.items[0]))
        return DeliveryResult.delivered(message_ref=reference)


def classify_slack_error(exc: SlackApiError) -> DeliveryResult:
    """429 (with Retry-After), 5xx and Slack's transient errors are transient; any other
    error is permanent."""
    response = exc.response
    status = response.status_code
    error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
    text = f"Slack answered {status}: {error or 'error'}"
    if status == 429:
        return DeliveryResult.transient(text, retry_after=_retry_after(response.headers))
    if status >= 500 or error in _TRANSIENT_ERRORS:
        return DeliveryResult.transient(text)
    return DeliveryResult.permanent(text)


def _retry_after(headers: Any) -> timedelta | None:
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return timedelta(seconds=max(0, int(str(value).strip())))
            except ValueError:
                return None
    return None


def slack_message(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> dict[str, Any]:
    """`text`, `blocks` and `metadata` of a page's message (one alert: see the registry)."""
    item = page.items[0]
    marker = f"pagerd notification {item.notification_id}"
    metadata = {
        "event_type": METADATA_EVENT,
        "event_payload": {"notification_id": str(item.notification_id)},
    }
    if item.is_test:
        text = test_text(page)
        test_blocks = [_section(text), _context(marker)]
        return {"text": f"{text} ({marker})", "blocks": test_blocks, "metadata": metadata}
    view = renderer.items(page, now)[0]
    title = _title(item)
    facts = [
        f"*Severity*\n{item.severity.value}",
        f"*Level*\nlevel {view.level}, pass {view.pass_label}",
        f"*Since*\n{view.since} ({view.age} ago)",
    ]
    if item.source:
        facts.append(f"*Source*\n{_escape(item.source)}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, _HEADER_MAX)}},
        _section(_escape(summary(item))),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts]},
    ]
    if item.links:
        links = " | ".join(f"<{_escape(link.href)}|{_escape(link.text)}>" for link in item.links)
        blocks.append(_section(links))
    buttons: list[dict[str, Any]] = [
        _button("Acknowledge", ACKNOWLEDGE_ACTION, str(item.alert_id), style="primary"),
        _button("Resolve", RESOLVE_ACTION, str(item.alert_id), style="danger"),
    ]
    if item.console_url:
        buttons.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in pagerd"},
                "url": item.console_url,
                "action_id": "pagerd_open",
            }
        )
    blocks.append({"type": "actions", "block_id": "pagerd_actions", "elements": buttons})
    blocks.append(_context(marker))
    text = f"{title}: {summary(item)} ({marker})"
    return {"text": text, "blocks": blocks, "metadata": metadata}


def slack_edit(item: PageItem) -> dict[str, Any]:
    """`text` and `blocks` of an answered page: what it was about and who answered, no
    buttons."""
    title = _title(item)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, _HEADER_MAX)}},
        _section(_escape(summary(item))),
        _context(f":white_check_mark: {_escape(item.status_line)}"),
    ]
    return {"text": f"{title}: {summary(item)}. {item.status_line}", "blocks": blocks}


def _title(item: PageItem) -> str:
    return " ".join(f"{item.severity.value.upper()} {item.service_name}".split())


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, _SECTION_MAX)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(text: str, action: str, value: str, style: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action,
        "value": value,
        "style": style,
    }


def _escape(text: str) -> str:
    # Slack's mrkdwn control characters: an alert must not mention @channel or fake a link.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SlackRequestVerifier:
    """Checks Slack's request signature (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with
    the signing secret, compared in constant time) and a timestamp within five minutes of
    pagerd's clock, with `slack_sdk`'s verifier."""

    def __init__(self, signing_secret: str, clock: Clock) -> None:
        from slack_sdk.signature import SignatureVerifier

        self._verifier = SignatureVerifier(signing_secret, _sdk_clock(clock))
        self._clock = clock

    def fresh(self, timestamp: str) -> bool:
        """Whether `timestamp` (Unix seconds) is within five minutes of now: checked before
        the body is read."""
        if not timestamp.isdigit() or len(timestamp) > 12:
            return False
        return abs(self._clock.now().timestamp() - int(timestamp)) <= 300

    def valid(self, body: bytes, timestamp: str, signature: str) -> bool:
        """Whether the signature is Slack's for this body and (fresh) timestamp."""
        if not self.fresh(timestamp):
            return False
        try:
            return self._verifier.is_valid(body, timestamp, signature)
        except (ValueError, UnicodeDecodeError):
            return False


def _sdk_clock(clock: Clock) -> SlackClock:
    """pagerd's clock as slack_sdk's verifier asks for it."""
    from slack_sdk.signature import Clock as SlackClock

    class SdkClock(SlackClock):
        def now(self) -> float:
            return clock.now().timestamp()

    return SdkClock()


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    item = page.items[0]
    if item.edit_of is not None:
        edit = slack_edit(item)
        return f"Slack message {item.edit_of} updated", str(edit["text"])
    message = slack_message(page, renderer, now)
    blocks = json.dumps(message["blocks"], indent=2)
    return f"Slack message to {page.address}", f"{message['text']}\n\nBlock Kit:\n{blocks}"


def _sender(parts: SenderParts) -> Sender | None:
    config = parts.configs.get(SlackConfig)
    return None if config is None else SlackSender(config, parts.renderer, parts.clock)


ADAPTER = ChannelAdapter(Channel.SLACK, _render, _sender)
"""Slack: Slack's Web API once a bot token is configured, the dev outbox otherwise."""
