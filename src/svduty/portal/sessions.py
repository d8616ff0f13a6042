"""How long a signed-in session lasts, and ending all of a person's sessions at once.

A session ends after SVDUTY_PORTAL_SESSION_IDLE_MINUTES without a request (sliding: each request
starts the wait again), and in any case a working day (SESSION_COOKIE_AGE) after signing in, so
a portal left open on a shared or stolen computer does not stay signed in. The stored session
expires at the same moment, so the database forgets it even if no request comes to end it.

"Sign out everywhere" ends every stored session of the person (the portal keeps sessions in its
own database, SQLite or PostgreSQL: Django's ``db`` session engine).
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils import timezone

__all__ = ["IdleTimeout", "end_sessions", "signed_in", "started"]

LAST_SEEN = "portal_last_seen"  # session key: when the person last made a request (epoch s)
STARTED = "portal_signed_in_at"  # session key: when the person signed in (epoch s)
# The last-seen time is written at most this often, so a burst of requests is not a burst of
# session writes; the idle limit is therefore kept to within this many seconds.
WRITE_EVERY = 60
# Status addresses a page's script polls while an upload loads or a product builds
# (progress.js): a page left open polling is not the person at work, so these do not count as
# activity, or a stuck load would keep a session alive for the whole day.
POLLED = frozenset({"portal:upload-status", "portal:product-status"})
DB_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def signed_in(request: HttpRequest) -> bool:
    """Whether the request is a signed-in person's, without loading a session for a visitor who
    has none (which would add ``Vary: Cookie`` to every public page)."""
    session = getattr(request, "session", None)
    if session is None or session.session_key is None:
        return False
    return request.user.is_authenticated


def started(request: HttpRequest) -> None:
    """Note the sign-in time (signals.py calls this as a person signs in)."""
    now = time.time()
    request.session[STARTED] = request.session[LAST_SEEN] = now
    request.session.set_expiry(_expiry(now, now))


def _idle_seconds() -> int:
    return settings.SVDUTY_PORTAL_SESSION_IDLE_MINUTES * 60


def _expiry(now: float, since: float) -> int:
    """Seconds until the session must end: idle time, capped by the working day's end."""
    day_left = settings.SESSION_COOKIE_AGE - (now - since)
    return max(1, int(min(_idle_seconds(), day_left)))


def _why_ended(session, now: float) -> str | None:
    last = session.get(LAST_SEEN)
    if last is not None and now - last > _idle_seconds():
        return "idle"
    since = session.get(STARTED)
    if since is not None and now - since > settings.SESSION_COOKIE_AGE:
        return "day"
    return None


ENDED = {
    "idle": "You were signed out after {minutes} minutes without activity. Sign in again.",
    "day": "You were signed out at the end of your working day's session. Sign in again.",
}


class IdleTimeout:
    """Middleware (after authentication and messages): ends a session idle too long or older
    than a working day, audited as a sign-out with the reason; otherwise slides its expiry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if signed_in(request):
            now = time.time()
            why = _why_ended(request.session, now)
            if why is not None:
                request.portal_sign_out_detail = {"reason": why}  # audited by signals.py
                logout(request)
                minutes = settings.SVDUTY_PORTAL_SESSION_IDLE_MINUTES
                messages.info(request, ENDED[why].format(minutes=minutes))
                return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        if signed_in(request) and not _polled(request):
            _touch(request.session, time.time())
        return response


def _polled(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)  # set once the URL is resolved
    return match is not None and match.view_name in POLLED


def _touch(session, now: float) -> None:
    last = session.get(LAST_SEEN)
    if last is not None and now - last < WRITE_EVERY:
        return
    since = session.setdefault(STARTED, now)  # a session from before this was kept
    session[LAST_SEEN] = now
    session.set_expiry(_expiry(now, since))


def end_sessions(user) -> int:
    """End every stored session of ``user`` (this request's included); how many there were.

    Sessions are stored signed and encoded, not by user, so each live one is decoded: a
    partnership's portal has tens or hundreds of them, not millions."""
    if settings.SESSION_ENGINE not in DB_ENGINES:
        raise ImproperlyConfigured(
            f"SESSION_ENGINE {settings.SESSION_ENGINE!r}: signing out everywhere needs sessions "
            f"in the database ({' or '.join(DB_ENGINES)})"
        )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            store.delete(session.session_key)  # the cache too, for cached_db
            ended += 1
    return ended
