"""SMS pages through Twilio's Messages API (httpx, synchronous)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from pagerd.adapters.channels.sms import SmsComposer
from pagerd.config import Settings
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage

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
    voice_from: str | None = None
    """Caller id of voice calls; the sending number when unset."""

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioConfig:
        """PAGERD_TWILIO_*."""
        assert settings.twilio_account_sid
        assert settings.twilio_auth_token
        from_number = settings.twilio_from or settings.twilio_voice_from
        assert from_number
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            from_number=from_number,
            api_base=settings.twilio_api_base,
            voice_from=settings.twilio_voice_from,
        )

    @property
    def caller_id(self) -> str:
        """The number voice calls come from."""
        return self.voice_from or self.from_number

    @property
    def calls_url(self) -> str:
        """`{api_base}/2010-04-01/Accounts/{sid}/Calls.json`."""
        return f"{self._account_url}/Calls.json"

    @property
    def _account_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}"

    @property
    def messages_url(self) -> str:
        """`{api_base}/2010-04-01/Accounts/{sid}/Messages.json`."""
        return f"{self._account_url}/Messages.json"


class TwilioSmsSender:
    """Implements the Sender port for SMS: a form POST with basic auth (`To`, `From`, `Body`)."""

    def __init__(
        self, config: TwilioConfig, composer: SmsComposer, client: httpx.Client | None = None
    ) -> None:
        self._config = config
        self._composer = composer
        self._client = client or httpx.Client(timeout=config.timeout)

    def send(self, page: OutgoingPage) -> DeliveryResult:
        try:
            body = self._composer.text(page)
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
