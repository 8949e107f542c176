"""The network guard's transport: httpx over an httpcore backend that connects only to the
addresses `network_guard.AddressPolicy` permits.

A module of its own so that httpx and httpcore (with what httpx's import pulls in) are
imported when pagerd first posts a webhook, not at start-up: they were a tenth of `pagerd
serve`'s start-up, and the policy, which start-up needs, is in `network_guard`.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from pagerd.adapters.channels.network_guard import (
    MAX_RESPONSE_BYTES,
    AddressPolicy,
    ForbiddenAddress,
    Resolver,
    system_resolver,
)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the policy permits."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver = system_resolver) -> None:
        self._policy = policy
        self._resolve = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._resolve(host, port)
        except (OSError, ValueError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        permitted = [ip for ip in addresses if self._policy.permits(ip)]
        if not permitted:
            shown = ", ".join(f"{ip} ({AddressPolicy.describe(ip)})" for ip in addresses)
            raise ForbiddenAddress(
                f"webhook target {host} resolves to {shown or 'nothing'}, which webhooks may "
                "not reach; allow it with PAGERD_WEBHOOK_ALLOWED_NETWORKS"
            )
        error: Exception | None = None
        for ip in permitted:
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise ForbiddenAddress("webhooks do not connect to Unix sockets")


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over the guarded backend. Ignores proxy variables on purpose (a
    proxy would connect on pagerd's behalf, past the guard). Reads at most 64 KiB of a
    response: a webhook's answer matters only for its status."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=verify or httpx.create_ssl_context(),
            max_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(policy, resolver),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = httpcore.URL(
            scheme=request.url.raw_scheme,
            host=request.url.raw_host,
            port=request.url.port,
            target=request.url.raw_path,
        )
        try:
            with self._pool.stream(
                request.method,
                url,
                headers=request.headers.raw,
                content=request.read(),
                extensions=request.extensions,
            ) as response:
                body = _read_capped(response)
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(str(exc) or "timed out", request=request) from exc
        except httpcore.ConnectError as exc:
            raise httpx.ConnectError(str(exc) or "cannot connect", request=request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.TransportError(str(exc) or type(exc).__name__) from exc
        return httpx.Response(response.status, headers=response.headers, content=body)

    def close(self) -> None:
        self._pool.close()


def _read_capped(response: httpcore.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_stream():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_RESPONSE_BYTES:
            break
    return b"".join(chunks)[:MAX_RESPONSE_BYTES]
