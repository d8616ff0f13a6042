"""The portal's security properties: argon2 password hashes, a strict content security policy,
no framing, cookies script cannot read (and only over HTTPS in production), HSTS in production,
django-axes' lock-out after five failures with every failure audited, and `check --deploy`
clean under the production settings."""

from __future__ import annotations

import os
import secrets

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse

from portal.manage import manage
from svduty.portal import settings as portal_settings
from svduty.portal.models import AuditEvent

PASSWORD = "correct horse battery"  # the people fixture's (tests/portal/conftest.py)


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (d.split() for d in header.split(";") if d.strip())
    return {d[0]: d[1:] for d in directives}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """argon2 takes half a second a password by design; only the first test is about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.argon2_cost
def test_passwords_are_hashed_with_argon2(settings, db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password, identify_hasher

    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS  # as the portal runs
    stored = get_user_model().objects.create_user("new", password=PASSWORD).password
    assert identify_hasher(stored).algorithm == "argon2"
    assert PASSWORD not in stored and check_password(PASSWORD, stored)


def test_pages_carry_a_strict_content_security_policy_and_refuse_framing(client, people):
    sign_in = Client().get(reverse("portal:sign-in"))
    client.force_login(people["analyst"])
    for response in (sign_in, client.get(reverse("portal:audit"))):
        assert response.status_code == 200
        policy = _csp(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_the_policy_would_block(client, people):
    client.force_login(people["analyst"])
    html = client.get(reverse("portal:audit")).content.decode().lower()
    assert "<script>" not in html and " onclick=" not in html and " style=" not in html


def test_the_session_cookie_is_out_of_reach_of_scripts(client, people):
    response = client.post(reverse("portal:sign-in"), {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # the embedded default is plain HTTP on this machine


def test_production_sends_hsts_and_secure_cookies_and_redirects_http(people):
    with override_settings(**portal_settings.PRODUCTION_SECURITY):
        client = Client()
        plain = client.get(reverse("portal:sign-in"))
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        page = client.get(reverse("portal:sign-in"), secure=True)
        assert page.status_code == 200
        hsts = page["Strict-Transport-Security"]
        assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
        # behind the proxy: its X-Forwarded-Proto says the client used HTTPS
        proxied = client.get(reverse("portal:sign-in"), headers={"X-Forwarded-Proto": "https"})
        assert proxied.status_code == 200 and "Strict-Transport-Security" in proxied
        signed_in = client.post(
            reverse("portal:sign-in"), {"username": "ana", "password": PASSWORD}, secure=True
        )
        assert signed_in.cookies[django_settings.SESSION_COOKIE_NAME]["secure"] is True


def test_five_failures_lock_the_account_and_each_is_audited(client, people):
    url = reverse("portal:sign-in")
    for attempt in range(1, 6):
        response = client.post(url, {"username": "ana", "password": f"wrong {attempt}"})
        assert response.status_code in (200, 429)
        assert AuditEvent.objects.filter(action="sign_in_failed", username="ana").count() == attempt
    assert response.status_code == 429  # the fifth failure locks
    locked = AuditEvent.objects.get(action="locked_out")
    assert locked.username == "ana" and locked.ip_address == "127.0.0.1"
    # now even the right password is refused, and nobody is signed in
    refused = client.post(url, {"username": "ana", "password": PASSWORD})
    assert refused.status_code == 429 and "locked" in refused.content.decode().lower()
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="sign_in").exists()
    # a different person from the same address is not locked out by ana's failures
    other = client.post(url, {"username": "bo", "password": PASSWORD})
    assert other.status_code == 302


def test_failures_through_authenticate_lock_out_too(rf, people):
    """The same through django.contrib.auth.authenticate, whatever view calls it."""
    for _ in range(5):
        request = rf.post("/sign-in/", REMOTE_ADDR="10.2.3.4")
        assert authenticate(request=request, username="bo", password="nope") is None
    request = rf.post("/sign-in/", REMOTE_ADDR="10.2.3.4")
    assert authenticate(request=request, username="bo", password=PASSWORD) is None
    assert AuditEvent.objects.filter(action="locked_out", username="bo").count() >= 1
    assert AuditEvent.objects.filter(action="sign_in_failed", username="bo").count() >= 5
    # from another address the password still works: the lock is per person and address
    request = rf.post("/sign-in/", REMOTE_ADDR="10.9.9.9")
    assert authenticate(request=request, username="bo", password=PASSWORD) is not None


def _production_env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    env.update(
        SVDUTY_HOME=str(tmp_path),
        SVDUTY_PORTAL_PRODUCTION="1",
        SVDUTY_PORTAL_SECRET_KEY=secrets.token_urlsafe(64),
        # never connected to by `check`; the form production uses
        SVDUTY_PORTAL_DATABASE_URL="postgresql://svduty@db.example.org:5432/svduty_portal",
        SVDUTY_PORTAL_ALLOWED_HOSTS="portal.example.org",
        SVDUTY_PORTAL_TRUSTED_ORIGINS="https://portal.example.org",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output.upper().replace("0 SILENCED", "")


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ({"SVDUTY_PORTAL_SECRET_KEY": None}, "SVDUTY_PORTAL_SECRET_KEY"),
        ({"SVDUTY_PORTAL_ALLOWED_HOSTS": None}, "SVDUTY_PORTAL_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(tmp_path, missing, named):
    result = manage(_production_env(tmp_path, **missing), "check")
    assert result.returncode != 0
    assert named in result.stderr
    assert not (tmp_path / "keys").exists()  # no key made up on the spot in production


# ---- the per-address limit (svduty.portal.throttle) --------------------------------------------


def _guess(client, username: str, password: str = "a guess", address: str = "192.0.2.10"):
    return client.post(
        reverse("portal:sign-in"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_one_address_guessing_across_many_usernames_is_locked_out(client, people, settings):
    """One guess each at many usernames never reaches the per-account limit: the address's
    own limit stops it, and then not even a right password gets in from there."""
    limit = settings.SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT  # an office behind one address is not locked by 5
    for n in range(limit - 1):
        assert _guess(client, f"user{n}").status_code == 200
    locked = _guess(client, f"user{limit}")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Signing in from this address is locked" in page
    assert AuditEvent.objects.filter(action="locked_out", ip_address="192.0.2.10").exists()
    refused = _guess(client, "ana", PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # the lock is the address's: the same person from elsewhere signs in
    assert _guess(Client(), "ana", PASSWORD, address="192.0.2.99").status_code == 302


def test_a_success_from_the_address_does_not_wipe_its_count(client, people, settings):
    """Someone with an account of their own cannot sign in between guesses to start again;
    their own earlier failures are forgotten, everyone else's are not."""
    limit = settings.SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT
    for n in range(limit - 2):
        _guess(client, f"user{n}")
    _guess(client, "bo")  # their own typo
    assert _guess(Client(), "bo", PASSWORD).status_code == 302  # forgets bo's failure only
    assert _guess(client, "user-a").status_code == 200  # limit - 1 failures in all
    assert _guess(client, "user-b").status_code == 429


def test_the_account_limit_still_locks_first(client, people):
    for _ in range(5):
        _guess(client, "ana")
    assert _guess(client, "ana", PASSWORD).status_code == 429
    assert "Your account is locked" in _guess(client, "ana", PASSWORD).content.decode()
    assert _guess(client, "bo", PASSWORD).status_code == 302  # the address is not locked


def test_the_address_limit_is_per_client_behind_a_trusted_proxy(people, settings):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = ("127.0.0.1",)
    guesser, colleague = Client(), Client()

    def through_proxy(client, username, password, address):
        return client.post(
            reverse("portal:sign-in"),
            {"username": username, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=address,
        )

    for n in range(settings.SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT):
        through_proxy(guesser, f"user{n}", "a guess", "198.51.100.66")
    assert through_proxy(guesser, "ana", PASSWORD, "198.51.100.66").status_code == 429
    assert through_proxy(colleague, "ana", PASSWORD, "203.0.113.7").status_code == 302


@pytest.mark.parametrize("value", ["0", "-3", "twenty", "2.5"])
def test_a_bad_address_limit_stops_the_portal_starting(monkeypatch, value):
    monkeypatch.setenv("SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT", value)
    with pytest.raises(ImproperlyConfigured, match="SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT"):
        portal_settings._positive_int("SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT", 20)
    monkeypatch.setenv("SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT", " 50 ")
    assert portal_settings._positive_int("SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT", 20) == 50
