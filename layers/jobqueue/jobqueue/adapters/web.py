"""HTTPS POSTs to tenants' URLs (the `WebPoster` port), safe against SSRF.

The host must resolve to public addresses only (no private, loopback or link-local one, unless
`WEBHOOK_ALLOW_PRIVATE=1`), and the request goes to the address that was checked while the
certificate is verified for the URL's host, so a second DNS answer cannot redirect it (DNS
rebinding). Redirects are never followed. Built on http.client (what urllib.request is built
on): urlopen would follow redirects to anywhere.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from jobqueue.errors import HandlerError, NonRetryableError
from jobqueue.settings import get_settings

MAX_RESPONSE_BYTES = 64 * 1024

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """Whether an IP address is publicly routable (not private, loopback, link-local, ...)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def vetted_address(host: str, port: int, allow_private: bool, resolver: Resolver = resolve) -> str:
    """The address to connect to: the first one the host resolves to, all of them public.

    Raises:
        NonRetryableError: the host resolves to a private/loopback/link-local address (SSRF).
        HandlerError: the name does not resolve (may be transient).
    """
    try:
        addresses = resolver(host, port)
    except OSError as error:
        raise HandlerError(f"cannot resolve {host}: {error}") from error
    if not addresses:
        raise HandlerError(f"cannot resolve {host}")
    if not allow_private:
        private = [a for a in addresses if not is_public_address(a)]
        if private:
            raise NonRetryableError(f"{host} resolves to a non-public address ({private[0]})")
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the vetted address while verifying the certificate for the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post_json(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    allow_private: bool,
    resolver: Resolver = resolve,
) -> tuple[int, bytes]:
    """POST `body` to `url` (no redirects followed); returns (status, first bytes of the answer)."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    address = vetted_address(host, port, allow_private, resolver)
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        return response.status, response.read(MAX_RESPONSE_BYTES)
    finally:
        connection.close()


class SafeWebPoster:
    def __init__(self, resolver: Resolver = resolve, allow_private: bool | None = None):
        self._resolver = resolver
        self._allow_private = allow_private

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        allow_private = self._allow_private
        if allow_private is None:
            allow_private = get_settings().webhook_allow_private
        try:
            return post_json(url, body, headers, timeout, allow_private, self._resolver)
        except ssl.SSLCertVerificationError as error:
            raise NonRetryableError(f"webhook certificate not valid: {error.verify_message}") from error
        except (TimeoutError, OSError, http.client.HTTPException) as error:
            raise HandlerError(f"webhook request failed: {type(error).__name__}: {error}") from error
