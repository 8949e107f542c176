"""Keeping webhooks away from internal networks (server-side request forgery).

A webhook URL is chosen by whoever edits an escalation policy; without a guard it could make
pagerd POST to its own loopback, a cloud metadata endpoint or a private network. The check
happens at connect time, on the address actually connected to: the transport resolves the
name itself, keeps only permitted addresses and connects to one of them, so a name that
resolves to a public address when checked and to a private one when used (DNS rebinding)
gets nowhere. TLS still verifies the certificate against the URL's host name.

The transport itself (httpx and httpcore) is in `guarded_transport`, imported when the first
webhook is sent: see there.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence

from pagerd.domain.webhook_addresses import IPAddress, IPNetwork, describe, is_permitted

Resolver = Callable[[str, int], Sequence[IPAddress]]
MAX_RESPONSE_BYTES = 64 * 1024


class ForbiddenAddress(Exception):
    """The target resolves only to addresses webhooks may not reach."""


class AddressPolicy:
    """Public unicast addresses are permitted; others only inside the allowed networks
    (the rules are `domain.webhook_addresses`, also used when a policy is saved)."""

    def __init__(self, allowed_networks: Iterable[IPNetwork] = ()) -> None:
        self._allowed = tuple(allowed_networks)

    def permits(self, ip: IPAddress) -> bool:
        """Whether a webhook may connect to `ip`."""
        return is_permitted(ip, self._allowed)

    @staticmethod
    def describe(ip: IPAddress) -> str:
        """What kind of non-public address `ip` is, for error messages."""
        return describe(ip)


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host` (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # sockaddr[0] is the address; IPv6 scope ids ("fe80::1%eth0") are dropped.
    return list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)
    )
