"""SMS pages through Twilio's Messages API (httpx, synchronous)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, Sender
from pagerd.service_layer.ports import Clock

DEFAULT_API_BASE = "https://api.twilio.com"
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class TwilioConfig:
    """Account, credentials and sending number; `api_base` is replaceable for tests."""

    account_sid: str
    auth_token: str
    from_number: str
    api_base: str = DEFAULT_API_BASE
    timeout: float = DEFAULT_TIMEOUT

    @property
    def messages_url(self) -> str:
        """`{api_base}/2010-04-01/Accounts/{sid}/Messages.json`."""
        return f"{self.api_base.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"


class TwilioSmsSender:
    """Implements the Sender port for SMS: a form POST with basic auth (`To`, `From`, `Body`).
    The reply codes are the page's items' own (issued when the page was claimed)."""

    def __init__(
        self,
        config: TwilioConfig,
        renderer: MessageRenderer,
        clock: Clock,
        client: httpx.Client | None = None,
    ) -> None:
        self._config = config
        self._renderer = renderer
        self._clock = clock
        self._client = client or httpx.Client(timeout=config.timeout)

    def send(self, page: OutgoingPage) -> DeliveryResult:
        try:
            body = self._renderer.sms(page, self._clock.now())
        except Exception as exc:  # a sender must not raise: every failure is a result
            return DeliveryResult.transient(f"could not prepare the SMS: {exc}")
        try:
            response = self._client.post(
                self._config.messages_url,
                auth=(self._config.account_sid, self._config.auth_token),
                data={"To": page.address, "From": self._config.from_number, "Body": body},
            )
        except httpx.HTTPError as exc:
            return DeliveryResult.transient(f"Twilio unreachable: {type(exc).__name__}: {exc}")
        except Exception as exc:
            return DeliveryResult.transient(f"{type(exc).__name__}: {exc}")
        return classify_twilio_response(response)


def classify_twilio_response(response: httpx.Response) -> DeliveryResult:
    """2xx delivered; 408, 429 and 5xx transient; any other answer permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryResult.delivered()
    error = f"Twilio answered {status}: {_twilio_message(response)}"
    if status in (408, 429) or status >= 500:
        return DeliveryResult.transient(error)
    return DeliveryResult.permanent(error)


def _twilio_message(response: httpx.Response) -> str:
    # Twilio's errors are JSON: {"code": 21211, "message": "The 'To' number ... is not valid"}.
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(data, dict) and "message" in data:
        code = f" (error {data['code']})" if "code" in data else ""
        return f"{data['message']}{code}"
    return response.text[:200]


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    return f"SMS to {page.address}", renderer.sms(page, now)


def _sender(parts: SenderParts) -> Sender | None:
    config = parts.configs.get(TwilioConfig)
    return None if config is None else TwilioSmsSender(config, parts.renderer, parts.clock)


ADAPTER = ChannelAdapter(Channel.SMS, _render, _sender)
"""SMS: Twilio once its account, token and number are configured."""
