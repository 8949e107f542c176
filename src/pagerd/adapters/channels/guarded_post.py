"""JSON POSTed to a user-given URL under the network guard, answered as a webhook's answer
is classified: the one way webhooks and Teams cards leave pagerd.

Only public addresses are reached unless PAGERD_WEBHOOK_ALLOWED_NETWORKS allows more (see
network_guard). Redirects are not followed: a redirect could lead past the guard, and a
receiver that moved should have its URL updated.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from pagerd.adapters.channels.network_guard import AddressPolicy, ForbiddenAddress
from pagerd.service_layer.paging import DeliveryResult

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 10.0

Request = Callable[[], tuple[bytes, Mapping[str, str]]]
"""Builds the JSON body and any headers besides Content-Type (called inside the guard, so a
failure to build is a result too)."""


class GuardedJsonPoster:
    """An httpx client behind the network guard; `post` never raises.

    The client is made at the first `post` (once, under a lock: senders are shared by the
    dispatcher's threads), so that building the senders at start-up imports no httpx.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        user_agent: str,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._policy = policy
        self._user_agent = user_agent
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                import httpx

                from pagerd.adapters.channels.guarded_transport import GuardedTransport

                self._client = httpx.Client(
                    transport=self._transport or GuardedTransport(self._policy),
                    timeout=self._timeout,
                    follow_redirects=False,
                    trust_env=False,
                    headers={"User-Agent": self._user_agent},
                )
            return self._client

    def post(self, url: str, request: Request) -> DeliveryResult:
        """POST what `request` builds to `url`: a forbidden address is permanent, a network
        error transient, an answer classified by `classify_webhook_response`."""
        try:
            body, headers = request()
            response = self._http().post(
                url, content=body, headers={"Content-Type": "application/json", **headers}
            )
        except ForbiddenAddress as exc:
            return DeliveryResult.permanent(str(exc))
        except Exception as exc:  # httpx.HTTPError or any other: a sender must not raise
            return DeliveryResult.transient(f"{type(exc).__name__}: {exc}")
        return classify_webhook_response(response)

    def close(self) -> None:
        """Release pooled connections."""
        with self._lock:
            if self._client is not None:
                self._client.close()


def classify_webhook_response(response: httpx.Response) -> DeliveryResult:
    """2xx delivered; 408, 429 and 5xx transient; redirects and other 4xx permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryResult.delivered()
    error = f"webhook answered {status} {response.reason_phrase}".rstrip()
    if status in (408, 429) or status >= 500:
        return DeliveryResult.transient(error)
    if 300 <= status < 400:
        return DeliveryResult.permanent(f"{error}: redirects are not followed")
    return DeliveryResult.permanent(error)
