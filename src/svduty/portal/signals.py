"""Sign-ins, sign-outs, failed sign-ins and lock-outs go to the audit log; a sign-in starts the
session's clock (sessions.py)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from svduty.portal import audit, sessions
from svduty.portal.models import AuditEvent


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    audit.record(request, AuditEvent.Action.SIGN_IN, user=user)
    sessions.started(request)  # the idle and working-day limits count from here


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    # why, when it was not the person's own "Sign out": idle too long, the working day over,
    # or "sign out everywhere" (with how many other sessions it ended)
    detail = getattr(request, "portal_sign_out_detail", {})
    if user is not None:
        audit.record(request, AuditEvent.Action.SIGN_OUT, user=user, **detail)


@receiver(user_login_failed)
def _failed(sender, credentials, request=None, **kwargs):
    # the username tried is kept (it names a staff account, not a data subject); never the
    # password, which Django has already masked in `credentials`
    audit.record(
        request, AuditEvent.Action.SIGN_IN_FAILED, username=str(credentials.get("username", ""))
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(request, AuditEvent.Action.LOCKED_OUT, username=str(username or ""))
