"""The one way to write the audit log: :func:`record`. Views call it for every restricted read,
download, upload, approval and change; sign-ins are recorded by signals (signals.py)."""

from __future__ import annotations

from django.http import HttpRequest

from svduty.portal.models import AuditEvent

__all__ = ["client_ip", "record"]


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (REMOTE_ADDR; a proxy's header is trusted only
    through django-axes' own settings, never here)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
