"""Configuration: PAGERD_* environment variables, then `.env`, then `pagerd.toml`.

The environment wins. Nothing is read at import time: `load_settings()` builds a Settings
object when an entry point starts, and everything else receives it.
"""

from __future__ import annotations

import ipaddress
import sys
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pagerd.config_checks import SettingsFileError, check_settings_file

DEFAULT_DATABASE_URL = "sqlite:///./pagerd.db"


AUTO_WORKERS: Literal["process", "thread"] = "thread"
"""What PAGERD_WORKERS=auto means (docs/benchmarks.md, the `procs` section, has the figures)."""


class Settings(BaseSettings):
    """Every PAGERD_* setting (docs/operations.md, section 2), validated."""

    model_config = SettingsConfigDict(
        env_prefix="PAGERD_",
        env_file=".env",
        env_file_encoding="utf-8",
        toml_file="pagerd.toml",
        extra="ignore",
    )

    database_url: str = DEFAULT_DATABASE_URL
    admin_token: SecretStr | None = None
    public_url: str | None = None
    secret_key: SecretStr | None = None

    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "pagerd@localhost"

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    twilio_voice_from: str | None = None

    # A Slack app: its bot token posts pages, its signing secret proves button clicks.
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_base: str = "https://slack.com/api"

    webhook_allowed_networks: str = ""
    trusted_proxies: str = ""
    log_format: Literal["json", "console"] | None = None
    # One line per HTTP request (method, path, status, duration); off for quieter logs.
    access_log: bool = True

    # Rate limits (token buckets, shared by every process on PostgreSQL); 0 turns one off.
    ingest_rate_per_minute: float = Field(default=600, ge=0)
    ingest_burst: int = Field(default=300, ge=0)
    api_rate_per_minute: float = Field(default=1200, ge=0)
    api_burst: int = Field(default=600, ge=0)
    # Per client address, on doors open without credentials (links, SMS replies, pings,
    # console pages), and for failed authentications (unknown tokens, keys, passwords).
    public_rate_per_minute: float = Field(default=600, ge=0)
    public_burst: int = Field(default=300, ge=0)
    auth_failure_rate_per_minute: float = Field(default=30, ge=0)
    auth_failure_burst: int = Field(default=30, ge=0)

    # Slow or stalled clients: request headers and bodies must arrive within these times;
    # beyond this many connections at once, new requests answer 503.
    http_header_timeout_seconds: float = Field(default=10, gt=0)
    http_body_timeout_seconds: float = Field(default=30, gt=0)
    http_max_connections: int = Field(default=1000, ge=1)

    # Where `pagerd serve` runs the workers: `process` (a supervised child process: both
    # cores), `thread` (threads of the serving process), `off` (HTTP only; `pagerd worker`
    # elsewhere), or `auto` (the measured best for the database: `effective_workers`).
    workers: Literal["auto", "process", "thread", "off"] = "auto"

    # Days a resolved alert keeps its pages, timeline and ack codes; 0 keeps them forever.
    retention_days: int = Field(default=365, ge=0, le=36500)

    @field_validator("webhook_allowed_networks", "trusted_proxies")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        for part in _split(value):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"{part!r} is not a CIDR network such as 127.0.0.0/8") from exc
        return value

    @property
    def allowed_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """PAGERD_WEBHOOK_ALLOWED_NETWORKS as networks."""
        return [
            ipaddress.ip_network(p, strict=False) for p in _split(self.webhook_allowed_networks)
        ]

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """PAGERD_TRUSTED_PROXIES as networks."""
        return [ipaddress.ip_network(p, strict=False) for p in _split(self.trusted_proxies)]

    @property
    def smtp_configured(self) -> bool:
        """Whether e-mail goes to a real SMTP server (otherwise to the dev outbox)."""
        return bool(self.smtp_host)

    @property
    def twilio_configured(self) -> bool:
        """Whether SMS goes to Twilio (otherwise to the dev outbox)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def twilio_voice_configured(self) -> bool:
        """Whether voice calls go to Twilio (otherwise to the dev outbox): the account, its
        auth token and a caller id (PAGERD_TWILIO_VOICE_FROM, else PAGERD_TWILIO_FROM)."""
        caller_id = self.twilio_voice_from or self.twilio_from
        return bool(self.twilio_account_sid and self.twilio_auth_token and caller_id)

    @property
    def slack_configured(self) -> bool:
        """Whether Slack messages go to Slack (otherwise to the dev outbox)."""
        return self.slack_bot_token is not None and bool(self.slack_bot_token.get_secret_value())

    def effective_workers(self) -> Literal["process", "thread", "off"]:
        """PAGERD_WORKERS with `auto` resolved: see docs/benchmarks.md (procs) for why."""
        if self.workers != "auto":
            return self.workers
        return AUTO_WORKERS

    def effective_log_format(self) -> Literal["json", "console"]:
        """`console` on a terminal, `json` elsewhere, unless set."""
        if self.log_format is not None:
            return self.log_format
        return "console" if sys.stderr.isatty() else "json"

    def base_url(self, host: str, port: int) -> str:
        """PAGERD_PUBLIC_URL, or http://host:port, without a trailing slash."""
        return (self.public_url or f"http://{host}:{port}").rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            StrictTomlSource(settings_cls),
        )


class StrictTomlSource(TomlConfigSettingsSource):
    """`pagerd.toml`, refusing what pagerd would otherwise ignore (SettingsFileError)."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        name = Path(str(file_path)).name
        try:
            with file_path.open(mode="rb") as file:
                data = tomllib.load(file)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsFileError(f"{name} is not valid TOML: {exc}") from exc
        check_settings_file(data, name, Settings.model_fields)
        return data


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read the configuration now; `overrides` win over every source (for tests and flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
