"""How long a session lasts and how it ends (svduty.portal.sessions): signed out after
SVDUTY_PORTAL_SESSION_IDLE_MINUTES without a request (each request starting the wait again) and
after a working day in any case, audited with the reason; "sign out everywhere" ends every
session of the person, on SQLite and PostgreSQL alike; a signed-in person's pages are never
stored by a browser or a cache, the public site and the stylesheet are."""

from __future__ import annotations

import logging
import sys
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from svduty.portal import product_workflow, sessions
from svduty.portal.models import AuditEvent

# the demo's database too: make test runs this file on SQLite as well as PostgreSQL
pytestmark = pytest.mark.sqlite

PASSWORD = "correct horse battery"  # conftest.make_person's default


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """argon2 takes half a second a password by design; nothing here is about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _signed_in_as(username: str) -> Client:
    client = Client()
    response = client.post(reverse("portal:sign-in"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    return client


def _as_if(client: Client, **seconds_ago: float) -> None:
    """Move the session's clocks back: ``last_seen`` and ``started`` seconds ago."""
    session = client.session
    now = time.time()
    if "last_seen" in seconds_ago:
        session[sessions.LAST_SEEN] = now - seconds_ago["last_seen"]
    if "started" in seconds_ago:
        session[sessions.STARTED] = now - seconds_ago["started"]
    session.save()


def _home(client: Client):
    return client.get(reverse("portal:home"))


# ---- the idle timeout --------------------------------------------------------------------------


def test_a_session_idle_too_long_is_signed_out_and_the_sign_out_audited(people, settings):
    assert settings.SVDUTY_PORTAL_SESSION_IDLE_MINUTES == 30  # the documented default
    client = _signed_in_as("ana")
    _as_if(client, last_seen=31 * 60)
    response = _home(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in") + "?next=")
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT)
    assert event.username == "ana" and event.detail == {"reason": "idle"}
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_each_request_starts_the_idle_wait_again(people):
    client = _signed_in_as("ana")
    _as_if(client, last_seen=29 * 60)
    assert _home(client).status_code == 200
    assert time.time() - client.session[sessions.LAST_SEEN] < 5  # the wait starts again
    # and the stored session expires with it, so the database forgets an abandoned one
    stored = Session.objects.get(session_key=client.session.session_key)
    expected = timezone.now() + timedelta(minutes=30)
    assert abs(stored.expire_date - expected) < timedelta(seconds=5)
    _as_if(client, last_seen=29 * 60)
    assert _home(client).status_code == 200  # 58 minutes signed in, never 30 idle


@pytest.mark.parametrize("status", ["portal:upload-status", "portal:product-status"])
def test_a_page_polling_its_progress_is_not_activity(people, status):
    """A page left open on a load that never finishes would otherwise keep the session alive."""
    client = _signed_in_as("ana")
    _as_if(client, last_seen=10 * 60)
    before = client.session[sessions.LAST_SEEN]
    client.get(reverse(status, args=[987654]), headers={"Accept": "application/json"})
    assert client.session[sessions.LAST_SEEN] == before
    _as_if(client, last_seen=31 * 60)
    assert client.get(reverse(status, args=[987654])).status_code == 302  # still ends it


def test_the_idle_limit_is_a_setting(people, settings):
    settings.SVDUTY_PORTAL_SESSION_IDLE_MINUTES = 5
    client = _signed_in_as("ana")
    _as_if(client, last_seen=6 * 60)
    assert _home(client).status_code == 302
    assert AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT).detail == {"reason": "idle"}


def test_however_busy_a_session_ends_after_a_working_day(people, settings):
    client = _signed_in_as("ana")
    _as_if(client, last_seen=10, started=settings.SESSION_COOKIE_AGE + 60)
    assert _home(client).status_code == 302
    assert AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT).detail == {"reason": "day"}


def test_near_the_end_of_the_day_the_session_expires_with_it(people, settings):
    client = _signed_in_as("ana")
    _as_if(client, last_seen=2 * 60, started=settings.SESSION_COOKIE_AGE - 10 * 60)
    assert _home(client).status_code == 200
    stored = Session.objects.get(session_key=client.session.session_key)
    assert abs(stored.expire_date - (timezone.now() + timedelta(minutes=10))) < timedelta(seconds=5)


# ---- sign out everywhere -----------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_session_of_the_person_only(people):
    """On this test run's database (SQLite, or PostgreSQL with SVDUTY_TEST_PORTAL_DATABASE)."""
    here, laptop, phone = (_signed_in_as("ana") for _ in range(3))
    colleague = _signed_in_as("bo")
    response = here.post(reverse("portal:sign-out-everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:sign-in")
    for client in (here, laptop, phone):
        assert _home(client).status_code == 302  # every one of ana's sessions has ended
    assert _home(colleague).status_code == 200  # nobody else's
    events = AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_OUT)
    assert [(e.username, e.detail) for e in events] == [
        ("ana", {"everywhere": True, "sessions_ended": 3})
    ]
    page = here.get(reverse("portal:sign-in")).content.decode()
    assert "signed out everywhere: 3 sessions of ana ended" in page


def test_sign_out_everywhere_is_offered_on_the_home_page_and_is_post_only(people):
    client = _signed_in_as("vi")
    home = _home(client).content.decode()
    assert f'action="{reverse("portal:sign-out-everywhere")}"' in home
    assert "30 minutes without activity" in home
    assert client.get(reverse("portal:sign-out-everywhere")).status_code == 405
    assert _home(client).status_code == 200  # a link cannot sign anyone out


# ---- what browsers and caches may keep ---------------------------------------------------------


def test_restricted_pages_and_downloads_are_never_stored(people):
    client = _signed_in_as("ana")
    for name in ("portal:audit", "portal:audit-export", "portal:home"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        cache = response["Cache-Control"]
        assert "no-store" in cache and "private" in cache, (name, cache)
        _read(response)


def _read(response):
    """The response's body (a file's is streamed: read to the end, so the file is closed)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_the_stylesheet_and_the_public_site_stay_cacheable(people, settings, tmp_path):
    settings.HOME = tmp_path
    site = tmp_path / "public-site" / product_workflow.SITE_BUILDS / "20260101T000000000000-v1"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<!DOCTYPE html><title>Public</title><p>Public site</p>")
    (tmp_path / "public-site" / product_workflow.SITE_POINTER).write_text(site.name)

    visitor = Client()
    for url in ("/static/svduty.css", reverse("portal:public")):
        response = visitor.get(url)
        assert response.status_code == 200 and _read(response), url
        assert "no-store" not in response.get("Cache-Control", ""), url
        # a visitor is given no session, nor a Vary: Cookie, by the signed-in checks
        assert "Cookie" not in response.get("Vary", "") and not response.cookies, url
    # the stylesheet is the same for everyone: cacheable signed in too
    signed_in = _signed_in_as("ana").get("/static/svduty.css")
    assert signed_in.status_code == 200 and _read(signed_in)
    assert "no-store" not in signed_in.get("Cache-Control", "")


# ---- refusals in the log -----------------------------------------------------------------------


def test_a_refusal_is_one_line_in_the_log_and_still_audited(people, caplog):
    client = _signed_in_as("vi")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("portal:audit"))
    assert response.status_code == 403
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert len(logged) == 1
    record = logged[0]
    assert record.exc_info is None and record.exc_text is None
    line = caplog.handler.format(record)
    assert "\n" not in line and "Traceback" not in line
    assert reverse("portal:audit") in line and "view_audit" in line
    refused = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED)
    assert refused.username == "vi" and refused.target == reverse("portal:audit")


def test_a_refusal_s_reason_cannot_break_the_line():
    from django.core.exceptions import PermissionDenied

    from svduty.portal.log_filters import RefusalsOnOneLine

    try:
        raise PermissionDenied("not yours\nINFO forged line")
    except PermissionDenied:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden (Permission denied): %s",
            ("/x/",), exc_info=sys.exc_info(),
        )  # fmt: skip
    RefusalsOnOneLine().filter(record)
    assert record.exc_info is None
    line = record.getMessage()
    assert "\n" not in line and line.endswith("/x/ (not yours\\nINFO forged line)")


def test_a_server_error_keeps_its_traceback(caplog):
    """Only refusals lose the traceback: a fault still shows where it happened."""
    from svduty.portal.log_filters import RefusalsOnOneLine

    try:
        raise ValueError("a real fault")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
            ("/x/",), exc_info=sys.exc_info(),
        )  # fmt: skip
    assert RefusalsOnOneLine().filter(record) is True
    assert record.exc_info is not None and record.getMessage() == "Internal Server Error: /x/"
