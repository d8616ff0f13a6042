"""The one way to write the audit log: :func:`record`. Views call it for every restricted read,
download, upload, approval and change; sign-ins are recorded by signals (signals.py).

Where a request came from is :func:`client_ip`, which django-axes also uses
(AXES_CLIENT_IP_CALLABLE), so the audit log and the lock-out agree on who a client is."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

from svduty.portal.models import AuditEvent

__all__ = ["client_ip", "record"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    """The trusted proxies' networks (parsed once per distinct setting; settings.py has already
    refused a malformed entry at start-up)."""
    return tuple(ipaddress.ip_network(t, strict=False) for t in trusted)


def _address(text: str) -> Address | None:
    """``text`` as an address (an IPv4-mapped IPv6 address as its IPv4 one, so one client has
    one spelling); None when it is not an address."""
    try:
        found = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address in n for n in networks)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the client a request came from.

    The connection's address (REMOTE_ADDR), unless that is a trusted proxy
    (SVDUTY_PORTAL_TRUSTED_PROXIES): then X-Forwarded-For is read from the right, each proxy
    having appended the address it was reached from, and the first address that is not itself
    a trusted proxy is the client. Entries further left were written by the client and are
    never read, so a client cannot choose its address by sending a header of its own; and from
    a connection that is not a trusted proxy the header is ignored entirely.
    """
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None  # no address (a Unix socket, a test request without one)
    networks = _networks(tuple(getattr(settings, "SVDUTY_PORTAL_TRUSTED_PROXIES", ())))
    if not _trusted(remote, networks):
        return str(remote)
    client = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",") if forwarded else []):
        hop = _address(entry)
        if hop is None:
            # A malformed entry means the hop that wrote it is not one whose entries we can
            # read: anything to its left is unknowable, and guessing past it would let a
            # client's own text through. The last address we could vouch for is used (a
            # trusted proxy's), which is wrong only towards the proxy, never towards another
            # client.
            break
        client = hop
        if not _trusted(hop, networks):
            break
    return str(client)


def record(
    request: HttpRequest | None,
    action: str,
    target: str = "",
    *,
    user=None,
    username: str | None = None,
    **detail,
) -> AuditEvent:
    """Write one audit event: who (the request's user unless given), what, when, from where."""
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    membership = getattr(user, "membership", None) if user is not None else None
    return AuditEvent.objects.create(
        user=user,
        username=username if username is not None else (user.get_username() if user else ""),
        organisation=str(membership.organisation) if membership else "",
        action=action,
        target=target[:300],
        detail=detail,
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
    )


def record_change(
    request: HttpRequest, action: str, target: str, before: dict | None, after: dict
) -> dict:
    """Audit a record's change, field by field (every field of a new record, ``before`` None);
    nothing is written when no field changed. Returns the changes."""
    changed = {
        k: {"before": None if before is None else before[k], "after": v}
        for k, v in after.items()
        if before is None or before[k] != v
    }
    if changed:
        record(request, action, target, created=before is None, changed=changed)
    return changed
