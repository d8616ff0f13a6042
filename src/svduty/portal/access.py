"""Checks every view uses: the signed-in person's role and organisation, and a decorator that
refuses (and audits the refusal) when the role lacks a capability."""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from svduty.portal import audit
from svduty.portal.models import AuditEvent, Membership
from svduty.portal.roles import Capability, can

__all__ = ["membership", "require", "role_of"]


def membership(user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.select_related("organisation").filter(user=user).first()


def role_of(user) -> str | None:
    m = membership(user)
    return m.role if m else None


def require(capability: Capability):
    """View decorator: anonymous people go to sign in; a role without ``capability`` gets 403
    and the refusal is audited."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(role_of(request.user), capability):
                audit.record(
                    request, AuditEvent.Action.REFUSED, request.path, capability=str(capability)
                )
                raise PermissionDenied(f"your role does not allow {capability}")
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # read by the permission matrix test
        return wrapped

    return decorate
