"""SMS pages through Twilio's Messages API (httpx, synchronous)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage, Sender
from pagerd.service_layer.ports import Clock

if TYPE_CHECKING:
    import httpx

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
        return account_url(self, "Messages")


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
        if client is None:
            import httpx  # only when Twilio is configured: see guarded_transport

            client = httpx.Client(timeout=config.timeout)
        self._client = client

    def send(self, page: OutgoingPage) -> DeliveryResult:
        form = partial(self._form, page)
        return post_twilio_form(self._client, self._config, "Messages", form, "SMS")

    def _form(self, page: OutgoingPage) -> dict[str, str]:
        body = self._renderer.sms(page, self._clock.now())
        return {"To": page.address, "From": self._config.from_number, "Body": body}


class TwilioAccount(Protocol):
    """What every Twilio API call needs: the account, its credentials, the API's base."""

    @property
    def account_sid(self) -> str: ...
    @property
    def auth_token(self) -> str: ...
    @property
    def api_base(self) -> str: ...


def account_url(account: TwilioAccount, resource: str) -> str:
    """`{api_base}/2010-04-01/Accounts/{sid}/{resource}.json`."""
    base = account.api_base.rstrip("/")
    return f"{base}/2010-04-01/Accounts/{account.account_sid}/{resource}.json"


def post_twilio_form(
    client: httpx.Client,
    account: TwilioAccount,
    resource: str,
    form: Callable[[], dict[str, str]],
    what: str,
) -> DeliveryResult:
    """POST the form `form` builds (the `what`: an SMS, a call) to the account's `resource`
    (`Messages`, `Calls`) with basic auth. Never raises: a form that cannot be built,
    Twilio unreachable and Twilio's answer (classify_twilio_response) are all results."""
    try:
        data = form()
    except Exception as exc:  # a sender must not raise: every failure is a result
        return DeliveryResult.transient(f"could not prepare the {what}: {exc}")
    import httpx  # loaded already: `client` is an httpx client

    try:
        response = client.post(
            account_url(account, resource),
            auth=(account.account_sid, account.auth_token),
            data=data,
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
