"""What every portal page knows: the person's role and the navigation they may use."""

from __future__ import annotations

from svduty.portal.access import membership
from svduty.portal.roles import Capability, can


def portal(request) -> dict:
    m = membership(getattr(request, "user", None))
    role = m.role if m else None
    return {
        "membership": m,
        "role": role,
        "may": {c.value: can(role, c) for c in Capability},
    }
