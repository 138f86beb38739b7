"""Whether a provider's address stays on this machine or the local network.

A provider marked "local network only" is refused unless every address its host name resolves
to is loopback, private (RFC 1918, IPv6 unique-local) or link-local. The name is resolved each
time a request is about to go, so a name that starts pointing elsewhere is caught.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import anyio

from ..errors import InvalidArgument

__all__ = ["ensure_local_network", "host_of"]


def host_of(base_url: str) -> str:
    """The host name or address of ``base_url`` (IPv6 without its brackets)."""
    host = urlsplit(base_url).hostname
    if not host:
        raise InvalidArgument(f"{base_url!r} has no host name.")
    return host


async def ensure_local_network(name: str, base_url: str) -> None:
    """Raise ``InvalidArgument`` unless ``base_url``'s host is loopback or private."""
    host = host_of(base_url)
    try:
        found = await anyio.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidArgument(
            f"Provider {name!r}: its host {host!r} could not be resolved.", detail=str(exc)
        ) from exc
    for *_, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        if not (ip.is_loopback or ip.is_private or ip.is_link_local):
            raise InvalidArgument(
                f"Provider {name!r} is marked 'local network only', but {host} is {ip}, which "
                "is not on this machine or the local network; nothing was sent to it."
            )
