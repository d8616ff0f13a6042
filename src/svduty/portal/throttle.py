"""Sign-in throttling: django-axes' lock-out per account, and one per address on top.

django-axes counts failures per (username, address) (AXES_LOCKOUT_PARAMETERS) and locks that
pair at AXES_FAILURE_LIMIT. That alone lets one address guess one password against each of many
usernames without ever locking anything. :class:`Handler` adds a second, larger limit on every
failure from one address, whatever the username (SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT within the
same cool-off). It is not axes' own ``"ip_address"`` parameter because that would share the
per-account limit (five failures would lock out an office behind one address) and a success
from the address would wipe its count (an attacker with one account of their own could sign in
between guesses); here a success forgets only that person's own failures.

The address is axes' (AXES_CLIENT_IP_CALLABLE, svduty.portal.audit.client_ip), so behind a
trusted proxy the limit is per client, not per proxy.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum

__all__ = ["Handler", "address_failures"]


def address_failures(request) -> int:
    """Failed sign-ins from the request's address, for any username, within the cool-off."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0  # no address (a Unix socket): every client would share one count
    total = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return total or 0


class Handler(AxesDatabaseHandler):
    """axes' database handler, also locking an address with too many failures in all."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        account = super().get_failures(request, credentials)
        if address_failures(request) >= settings.SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT:
            request.portal_address_locked = True  # the locked-out page says why
            # axes compares one count with one limit: an address over its limit counts as
            # an account at its limit, so axes' own lock-out, signal and page follow
            return max(account, settings.AXES_FAILURE_LIMIT)
        return account
