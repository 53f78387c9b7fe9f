"""SSRF guard for outbound HTTP: only public addresses, unless the admin allows a range.

The check happens where it cannot be bypassed: when a TCP connection is opened.
The host name is resolved once, every address is judged, and the socket is opened
to a judged address (no second lookup an attacker's DNS could answer differently).
Redirects open new connections, so each hop is judged too; non-HTTP schemes are
refused before anything else. Proxies from the environment are never used.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Cloud metadata endpoints, named so the verdict says what was refused.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, DigitalOcean
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud
    }
)
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata", "metadata.goog", "instance-data.ec2.internal"}
)


class BlockedDestination(httpx.TransportError):
    """The SSRF guard refused a destination (permanent: retrying will not help)."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str  # "public", "allow-list", or why it was refused

    def __bool__(self) -> bool:
        return self.allowed


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """IPv4 hidden inside IPv6 forms (mapped, 6to4, Teredo, NAT64, compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = ip.packed
    if packed[:12] == bytes(12) and packed[12:] != bytes(4) and int(ip) > 1:  # ::a.b.c.d
        return ipaddress.IPv4Address(packed[12:])
    if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
        return ipaddress.IPv4Address(packed[12:])
    return None


def classify(ip: IPAddress) -> str:
    """Why an address is not a public destination, or "public"."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = classify(inner)
            return reason if reason == "public" else f"{reason} (inside IPv6 {ip.compressed})"
        if ip.scope_id:
            return "link-local"
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not globally routable"
    return "public"


@dataclass(frozen=True)
class HostPolicy:
    """What outbound HTTP may reach: public addresses, plus what the admin allowed."""

    allowed_names: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def from_setting(cls, value: str | Iterable[str] | None) -> HostPolicy:
        """Parse `SADA_WEBHOOK_ALLOWED_HOSTS`: comma-separated host names, IPs or CIDRs."""
        items = value.split(",") if isinstance(value, str) else list(value or [])
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in items:
            item = raw.strip().lower().strip("[]")
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                names.add(item.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def judge_ip(self, ip: IPAddress, host: str | None = None) -> Verdict:
        if host is not None and host.lower().rstrip(".") in self.allowed_names:
            return Verdict(True, "allow-list")
        for network in self.allowed_networks:
            if ip.version == network.version and ip in network:
                return Verdict(True, "allow-list")
            if isinstance(ip, ipaddress.IPv6Address):
                inner = _embedded_ipv4(ip)
                if inner is not None and network.version == 4 and inner in network:
                    return Verdict(True, "allow-list")
        reason = classify(ip)
        return Verdict(reason == "public", reason)

    def judge_host(self, host: str) -> Verdict | None:
        """A verdict from the name alone (IP literal or known metadata name), else None."""
        clean = host.lower().strip("[]").rstrip(".")
        if clean in self.allowed_names:
            return Verdict(True, "allow-list")
        if clean in METADATA_NAMES:
            return Verdict(False, "metadata")
        try:
            ip = ipaddress.ip_address(clean.split("%", 1)[0])
        except ValueError:
            return None
        if "%" in clean:
            return Verdict(False, "link-local")
        return self.judge_ip(ip)

    def resolve(self, host: str, port: int) -> list[tuple[IPAddress, Any]]:
        """Resolve and judge every address; return the allowed ones or raise."""
        clean = host.strip("[]")
        early = self.judge_host(clean)
        if early is not None and not early.allowed:
            raise BlockedDestination(f"refused {host}: {early.reason} address")
        try:
            infos = socket.getaddrinfo(clean, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from exc
        allowed: list[tuple[IPAddress, Any]] = []
        refused: list[str] = []
        for family, _type, _proto, _canon, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            verdict = self.judge_ip(ip, clean)
            if verdict.allowed:
                allowed.append((ip, family))
            else:
                refused.append(f"{ip} ({verdict.reason})")
        if not allowed:
            raise BlockedDestination(f"refused {host}: resolves to {', '.join(refused)}")
        return allowed

    def check_url(self, url: str | httpx.URL) -> Verdict:
        """Static check for a URL given by a user: scheme, credentials, literal addresses."""
        try:
            parsed = httpx.URL(str(url))
        except (httpx.InvalidURL, TypeError) as exc:
            return Verdict(False, f"invalid URL: {exc}")
        if parsed.scheme not in ALLOWED_SCHEMES:
            return Verdict(False, f"scheme {parsed.scheme or '(none)'!r} is not http or https")
        if not parsed.host:
            return Verdict(False, "URL has no host")
        if parsed.userinfo:
            return Verdict(False, "credentials in the URL are not allowed; sign with the secret")
        verdict = self.judge_host(parsed.host)
        if verdict is not None:
            return verdict
        try:
            self.resolve(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
        except BlockedDestination as exc:
            return Verdict(False, str(exc))
        except httpx.ConnectError:
            return Verdict(True, "unresolved (checked again at connect time)")
        return Verdict(True, "public")


class _GuardedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses the policy allows."""

    def __init__(self, policy: HostPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for ip, _family in self.policy.resolve(host, port):
            try:
                return self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise BlockedDestination("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx transport whose every connection goes through the SSRF guard."""

    def __init__(self, policy: HostPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        pool = self._pool
        if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
            raise RuntimeError("unexpected httpx internals: cannot install the SSRF guard")
        pool._network_backend = _GuardedBackend(policy)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ALLOWED_SCHEMES:
            raise BlockedDestination(f"scheme {request.url.scheme!r} is not http or https")
        return super().handle_request(request)


def guarded_client(policy: HostPolicy, *, timeout: float, follow_redirects: bool) -> httpx.Client:
    return httpx.Client(
        transport=GuardedTransport(policy),
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=5,
        trust_env=False,  # an environment proxy would connect on our behalf, unguarded
    )


def open_connection(policy: HostPolicy, host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection for protocols other than HTTP (IMAP), opened only to an address the
    policy allows, resolved once. Raises BlockedDestination, httpx.ConnectError or OSError."""
    last: OSError | None = None
    for ip, _family in policy.resolve(host, port):
        try:
            return socket.create_connection((str(ip), port), timeout=timeout)
        except OSError as exc:
            last = exc
    assert last is not None
    raise last
