"""E-mail pages through an SMTP server (smtplib), over sessions kept open between messages
(`smtp_pool`).

Each page is one multipart/alternative message (plain text and HTML) whose Message-ID is
`<{idempotency key}@pagerd>`: a re-send after a crash carries the same id, so mail systems
and people can recognise it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.email_policy import CACHING_POLICY, multipart_boundary
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.smtp_pool import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_IDLE,
    SmtpSessionPool,
)
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, Sender
from pagerd.service_layer.ports import Clock

IMPLICIT_TLS_PORT = 465
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to submit mail: implicit TLS (SMTPS) when `implicit_tls`, which
    defaults to port 465; otherwise STARTTLS when `starttls` is true. `ssl_context`
    defaults to the system's trusted certificates."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    from_address: str = "pagerd@localhost"
    timeout: float = DEFAULT_TIMEOUT
    ssl_context: ssl.SSLContext | None = None
    implicit_tls: bool | None = None

    @property
    def uses_implicit_tls(self) -> bool:
        """Whether TLS starts with the connection (SMTPS) rather than by STARTTLS."""
        return self.port == IMPLICIT_TLS_PORT if self.implicit_tls is None else self.implicit_tls


class SmtpEmailSender:
    """Implements the Sender port for e-mail, safe to call from several sender threads.

    Sessions are kept open between messages (at most `max_idle` idle, each closed once idle
    for `idle_timeout`). A kept session the server has closed meanwhile is noticed by the
    first command of the next message, before the message is accepted: that message is sent
    once more on a fresh session. A failure on a fresh session is the page's result.
    """

    def __init__(
        self,
        config: SmtpConfig,
        renderer: MessageRenderer,
        clock: Clock,
        *,
        idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT,
        max_idle: int = DEFAULT_MAX_IDLE,
    ) -> None:
        self._config = config
        self._renderer = renderer
        self._clock = clock
        self._ssl_context: ssl.SSLContext | None = None
        self.sessions = SmtpSessionPool(self._open, clock, idle_timeout, max_idle)

    def send(self, page: OutgoingPage) -> DeliveryResult:
        try:
            self._submit(self.compose(page))
        except Exception as exc:  # a sender must not raise: every failure is a result
            return classify_smtp_error(exc)
        return DeliveryResult.delivered()

    def close(self) -> None:
        """Close the idle sessions (at shutdown)."""
        self.sessions.close()

    def _submit(self, message: EmailMessage) -> None:
        session, reused = self.sessions.take()
        try:
            session.send_message(message)
        except Exception as exc:
            self.sessions.discard(session)
            if not (reused and _session_gone(exc)):
                raise
            session, _ = self.sessions.take(fresh=True)
            try:
                session.send_message(message)
            except Exception:
                self.sessions.discard(session)
                raise
        self.sessions.give_back(session)

    def compose(self, page: OutgoingPage) -> EmailMessage:
        """The message for `page`, with both parts and a stable Message-ID."""
        now = self._clock.now()
        rendered = self._renderer.email(page, now)
        # The default policy, with what is the same from message to message cached.
        message = EmailMessage(policy=CACHING_POLICY)
        message["Subject"] = rendered.subject
        message["From"] = self._config.from_address
        message["To"] = page.address
        message["Date"] = format_datetime(now)
        message["Message-ID"] = f"<{page.idempotency_key}@pagerd>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
        # Set here, or the generator makes one with a regular expression compiled per message.
        message.set_boundary(multipart_boundary(rendered.text, rendered.html))
        return message

    def _tls_context(self) -> ssl.SSLContext:
        # Loading the system's trusted certificates is slow: once per sender, not per page.
        if self._ssl_context is None:
            self._ssl_context = self._config.ssl_context or ssl.create_default_context()
        return self._ssl_context

    def _open(self) -> smtplib.SMTP:
        config = self._config
        smtp: smtplib.SMTP
        if config.uses_implicit_tls:
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=self._tls_context()
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            if config.starttls and not config.uses_implicit_tls:
                smtp.starttls(context=self._tls_context())
            if config.username:
                smtp.login(config.username, config.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _session_gone(exc: Exception) -> bool:
    """Whether `exc` says the server closed the session (dropped it, or answered 421:
    closing) rather than refused this message."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code == 421 for code in codes)
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


def classify_smtp_error(exc: BaseException) -> DeliveryResult:
    """Transient: connection problems, timeouts, 4xx replies. Permanent: 5xx replies (a
    refused recipient, a refused login) and a server lacking STARTTLS or AUTH."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        text = "; ".join(
            f"{rcpt}: {code} {_decode(msg)}" for rcpt, (code, msg) in exc.recipients.items()
        )
        if replies and all(code >= 500 for code, _ in replies):
            return DeliveryResult.permanent(f"recipient refused: {text}")
        return DeliveryResult.transient(f"recipient deferred: {text}")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = f"SMTP {exc.smtp_code} {_decode(exc.smtp_error)}"
        if 500 <= exc.smtp_code < 600:
            return DeliveryResult.permanent(text)
        return DeliveryResult.transient(text)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryResult.permanent(f"SMTP server does not support it: {exc}")
    if isinstance(exc, TimeoutError):
        return DeliveryResult.transient("SMTP server timed out")
    return DeliveryResult.transient(f"{type(exc).__name__}: {exc}")


def _decode(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else message


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    rendered = renderer.email(page, now)
    return rendered.subject, rendered.text


def _sender(parts: SenderParts) -> Sender | None:
    config = parts.configs.get(SmtpConfig)
    return None if config is None else SmtpEmailSender(config, parts.renderer, parts.clock)


ADAPTER = ChannelAdapter(Channel.EMAIL, _render, _sender)
"""E-mail: SMTP once its host is configured."""
