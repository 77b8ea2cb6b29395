"""The client address a request comes from. ``X-Forwarded-For`` is believed only when the peer is one
of ``Settings.trusted_proxies``; then the address is the right-most hop that is not a trusted proxy
(hops further left were written by the client and prove nothing)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def parse_networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    """Addresses or CIDR networks (``10.0.0.0/8``); a bare address is a one-address network."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_hops(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    hops: list[str] = []
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            hops += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
    return hops


def client_address(scope: Mapping[str, Any], trusted_proxies: Sequence[str]) -> str:
    """The source address of an ASGI request (``scope``), through trusted proxies only."""
    client = scope.get("client")
    peer = str(client[0]) if client else UNKNOWN
    networks = parse_networks(tuple(trusted_proxies))
    if not networks or not _trusted(peer, networks):
        return peer
    for hop in reversed(forwarded_hops(scope.get("headers", ()))):
        if not _trusted(hop, networks):
            return hop
    return peer
