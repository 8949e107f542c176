"""Believe `X-Forwarded-For` and `X-Forwarded-Proto` only from trusted reverse proxies.

The client address matters: rate limits and sign-in throttling count per address. A header
anyone can send must not choose it, so forwarded headers are read only when the connection
comes from a network in PAGERD_TRUSTED_PROXIES (none by default: the peer's address is the
client's). `X-Forwarded-For` is read from the right: each trusted proxy appends the address
it got the request from, so the first address from the right that is not a trusted proxy is
the client (whatever a client wrote further left is ignored).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from pagerd.domain.webhook_addresses import IPNetwork


class TrustedProxyMiddleware:
    """Rewrites the ASGI scope's client and scheme from trusted proxies' headers."""

    def __init__(self, app: ASGIApp, trusted: Sequence[IPNetwork] = ()) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = self._rewritten(scope)
        await self.app(scope, receive, send)

    def _rewritten(self, scope: Scope) -> Scope:
        client = scope.get("client")
        if not self.trusted or client is None or not self._is_trusted(client[0]):
            return scope
        forwarded_for = _header(scope, b"x-forwarded-for")
        proto = _header(scope, b"x-forwarded-proto").split(",")[-1].strip().lower()
        scope = dict(scope)
        if forwarded_for:
            scope["client"] = (self._client_of(forwarded_for, client[0]), 0)
        if proto in ("http", "https"):
            scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        return scope

    def _client_of(self, forwarded_for: str, peer: str) -> str:
        client = peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
            if _parsed(hop) is None:
                break  # not an address: everything further left is unknowable
            client = hop
            if not self._is_trusted(hop):
                break
        return client

    def _is_trusted(self, address: str) -> bool:
        ip = _parsed(address)
        return ip is not None and any(ip in network for network in self.trusted)


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _header(scope: Scope, name: bytes) -> str:
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == name]
    return ",".join(values)
