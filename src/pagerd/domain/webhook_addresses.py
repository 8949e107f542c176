"""Which IP addresses a webhook may reach: public unicast ones, and those of networks the
operator allows (PAGERD_WEBHOOK_ALLOWED_NETWORKS).

An IPv6 address that carries an IPv4 address reaches that IPv4 address, so the IPv4 address
inside is judged: IPv4-mapped (`::ffff:a.b.c.d`), SIIT (`::ffff:0:a.b.c.d`), IPv4-compatible
(`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`), 6to4 (`2002:aabb:ccdd::`) and Teredo's client.
The local-use NAT64 prefix (`64:ff9b:1::/48`) and site-local addresses (`fec0::/10`) are
never public.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_LAST_32_BITS = (
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # SIIT
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64, well-known prefix
)
_NEVER_PUBLIC = (
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # NAT64, local use
    ipaddress.IPv6Network("fec0::/10"),  # site-local (deprecated, still routed by some)
)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches, or None when it carries none."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in _LAST_32_BITS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_permitted(ip: IPAddress, allowed: Iterable[IPNetwork] = ()) -> bool:
    """Whether a webhook may connect to `ip`."""
    networks = tuple(allowed)
    inner = embedded_ipv4(ip)
    judged = [ip] if inner is None else [ip, inner]
    if any(address in network for address in judged for network in networks):
        return True
    if any(ip in network for network in _NEVER_PUBLIC):
        return False
    return all(address.is_global and not address.is_multicast for address in judged)


def describe(ip: IPAddress) -> str:
    """What kind of non-public address `ip` is, for error messages."""
    inner = embedded_ipv4(ip) or ip
    for kind in ("loopback", "link_local", "multicast", "unspecified", "private"):
        if getattr(inner, f"is_{kind}"):
            return kind.replace("_", "-")
    if any(ip in network for network in _NEVER_PUBLIC):
        return "site-local" if ip in _NEVER_PUBLIC[1] else "local-use NAT64"
    return "non-public"


def url_host_problem(host: str, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why a webhook URL's host can never be reached, or None. Only what is certain without
    resolving: an IP literal that is not permitted, or a `localhost` name. (Names are
    checked again, resolved, at every connection.)"""
    name = host.rstrip(".").lower()
    try:
        ip: IPAddress = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        if name == "localhost" or name.endswith(".localhost"):
            ip = ipaddress.IPv4Address("127.0.0.1")
        else:
            return None
    if is_permitted(ip, allowed):
        return None
    return (
        f"reaches a {describe(ip)} address, which webhooks may not reach; "
        "allow it with PAGERD_WEBHOOK_ALLOWED_NETWORKS"
    )
