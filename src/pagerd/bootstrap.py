"""Wiring: turns Settings into the adapters every entry point shares.

The only module that chooses implementations. Entry points (HTTP app, console, workers, CLI)
receive a Container and never build engines or senders themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pagerd.adapters.channels import (
    AddressPolicy,
    ChannelConfigs,
    SmtpConfig,
    TwilioConfig,
    TwilioVoiceConfig,
    WebhookConfig,
    build_senders,
    webhook_secret,
)
from pagerd.adapters.channels.slack import SlackConfig
from pagerd.adapters.clock import SystemClock
from pagerd.adapters.event_log import LoggingObserver
from pagerd.adapters.memory.rate_buckets import InMemoryRateBuckets
from pagerd.adapters.metrics import PrometheusObserver
from pagerd.adapters.observers import ObserverFanOut
from pagerd.adapters.passwords import default_hasher
from pagerd.adapters.sqlalchemy import (
    SqlAlchemyUnitOfWork,
    create_engine_for,
    database_is_ready,
)
from pagerd.adapters.sqlalchemy.rate_buckets import SqlRateBuckets
from pagerd.adapters.wakeup import ThreadWakeup
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.service_layer.ack_tokens import load_or_create_secret_key
from pagerd.service_layer.observability import NullObserver, Observer
from pagerd.service_layer.paging import Sender
from pagerd.service_layer.passwords import PasswordHasher
from pagerd.service_layer.ports import Clock, RateBuckets, UnitOfWork, WorkSignal


@dataclass
class Container:
    """What a running pagerd is made of.

    `uow_factory` returns a new unit of work (one per request or per worker thread: a unit of
    work is not shared between threads). `wakeup` is rung after commits that wrote due work.
    `observer` receives facts for metrics and logs. `secret_key` signs sessions and
    acknowledgement links (PAGERD_SECRET_KEY, or generated once and kept in the database).
    `is_ready` answers whether the database answers (for /readyz), `not_ready_reason` what
    /readyz says when it does not. `close` releases pools.
    `rate_buckets` hold the rate limits: in the database on PostgreSQL (one budget for every
    process), in memory otherwise (SQLite runs as one process).
    `operator_warnings` are configuration mistakes found at start-up, shown to whoever runs
    pagerd (the console's front page) besides the log. `password_hasher` hashes and checks
    console passwords (argon2id).
    """

    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    senders: Mapping[Channel, Sender]
    wakeup: WorkSignal
    public_url: str = "http://127.0.0.1:8080"
    observer: Observer = field(default_factory=NullObserver)
    secret_key: bytes = b"pagerd-development-secret-key-change-me"
    is_ready: Callable[[], bool] = field(default=lambda: True)
    not_ready_reason: Callable[[], str] = field(default=lambda: "the database does not answer")
    close: Callable[[], None] = field(default=lambda: None)
    rate_buckets: RateBuckets = field(default_factory=InMemoryRateBuckets)
    operator_warnings: tuple[str, ...] = ()
    password_hasher: PasswordHasher = field(default_factory=default_hasher)


def build_container(
    settings: Settings, public_url: str | None = None, log_events: bool = True
) -> Container:
    """Wire a running pagerd from settings: database, channels, wake-ups, metrics, and
    (unless `log_events` is false: one-shot commands say what they did themselves) the
    event log.

    Expects the schema at head (`pagerd migrate`, or `serve`, which migrates first).
    """
    engine = create_engine_for(settings.database_url)
    wakeup = ThreadWakeup()
    clock = SystemClock()
    metrics = PrometheusObserver(clock)
    observer = ObserverFanOut(metrics, LoggingObserver()) if log_events else metrics

    def uow_factory() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, wakeup, observer)

    def is_ready() -> bool:
        return database_is_ready(engine)

    metrics.watch_queues(uow_factory, clock)
    base_url = (public_url or settings.base_url("127.0.0.1", 8080)).rstrip("/")
    configured_key = settings.secret_key.get_secret_value() if settings.secret_key else None
    secret_key = load_or_create_secret_key(configured_key, uow_factory)
    senders = channel_senders(settings, clock, secret_key, base_url)
    return Container(
        settings=settings,
        uow_factory=uow_factory,
        clock=clock,
        senders=senders,
        wakeup=wakeup,
        public_url=base_url,
        observer=observer,
        secret_key=secret_key,
        is_ready=is_ready,
        close=engine.dispose,
        rate_buckets=(
            SqlRateBuckets(engine) if engine.dialect.name == "postgresql" else InMemoryRateBuckets()
        ),
    )


def channel_configs(
    settings: Settings, secret_key: bytes, public_url: str | None = None
) -> ChannelConfigs:
    """Each channel's settings as its adapter takes them; a channel left unconfigured
    (PAGERD_SMTP_HOST unset, ...) is absent and pages into the dev outbox. `public_url`
    (default: PAGERD_PUBLIC_URL, else http://127.0.0.1:8080) is where providers call back."""
    base_url = (public_url or settings.base_url("127.0.0.1", 8080)).rstrip("/")
    return ChannelConfigs.of(
        smtp_config(settings),
        twilio_config(settings),
        twilio_voice_config(settings, base_url),
        slack_config(settings),
        WebhookConfig(webhook_secret(secret_key), AddressPolicy(settings.allowed_networks)),
    )


def channel_senders(
    settings: Settings, clock: Clock, secret_key: bytes, public_url: str | None = None
) -> dict[Channel, Sender]:
    """A sender for every channel kind, from the settings."""
    return build_senders(channel_configs(settings, secret_key, public_url), clock)


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """PAGERD_SMTP_*, when the host is set; the port defaults to 587 with STARTTLS and to
    25 without."""
    if not settings.smtp_configured or settings.smtp_host is None:
        return None
    password = settings.smtp_password
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port or (587 if settings.smtp_starttls else 25),
        username=settings.smtp_username or None,
        password=password.get_secret_value() if password is not None else None,
        starttls=settings.smtp_starttls,
        from_address=settings.smtp_from,
    )


def slack_config(settings: Settings) -> SlackConfig | None:
    """PAGERD_SLACK_BOT_TOKEN and PAGERD_SLACK_API_BASE, when the token is set."""
    token = settings.slack_bot_token
    if token is None or not settings.slack_configured:
        return None
    return SlackConfig(bot_token=token.get_secret_value(), api_base=settings.slack_api_base)


def twilio_config(settings: Settings) -> TwilioConfig | None:
    """PAGERD_TWILIO_*, when the account, its token and a number are all set."""
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    number = settings.twilio_from
    if not settings.twilio_configured or not sid or token is None or not number:
        return None
    return TwilioConfig(
        account_sid=sid,
        auth_token=token.get_secret_value(),
        from_number=number,
        api_base=settings.twilio_api_base,
    )


def twilio_voice_config(settings: Settings, public_url: str) -> TwilioVoiceConfig | None:
    """PAGERD_TWILIO_* for calls, when the account, its token and a caller id
    (PAGERD_TWILIO_VOICE_FROM, else PAGERD_TWILIO_FROM) are set; Twilio calls back at
    `public_url`."""
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    caller_id = settings.twilio_voice_from or settings.twilio_from
    if not settings.twilio_voice_configured or not sid or token is None or not caller_id:
        return None
    return TwilioVoiceConfig(
        account_sid=sid,
        auth_token=token.get_secret_value(),
        caller_id=caller_id,
        public_url=public_url,
        api_base=settings.twilio_api_base,
    )
