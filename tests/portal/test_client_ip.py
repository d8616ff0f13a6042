"""Where a request came from, behind a reverse proxy: X-Forwarded-For is believed only from the
proxies SVDUTY_PORTAL_TRUSTED_PROXIES names, read from the right so that a client cannot
choose its address, and django-axes locks out by that same address, so one client's failures
behind the proxy do not lock out everyone else behind it."""

from __future__ import annotations

import os
import secrets

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from portal.manage import manage
from svduty.portal import audit
from svduty.portal import settings as portal_settings
from svduty.portal.models import AuditEvent

PASSWORD = "correct horse battery"  # the people fixture's (tests/portal/conftest.py)
PROXY = "127.0.0.1"  # nginx on the same machine, as docs/deploy.md sets it up
CLIENT = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """argon2 takes half a second a password by design; nothing here is about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _ip(rf, remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return audit.client_ip(rf.get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_connection_is_the_client(rf, settings):
    assert portal_settings._trusted_proxies("") == ()  # the default: nothing trusted
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = ()
    assert _ip(rf, PROXY) == PROXY
    assert _ip(rf, PROXY, CLIENT) == PROXY  # the header is not read at all


def test_a_trusted_proxy_passes_on_the_client(rf, settings):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY,)
    assert _ip(rf, PROXY, CLIENT) == CLIENT
    assert _ip(rf, PROXY, f" {CLIENT} ") == CLIENT  # spaces around an entry are not an error
    assert _ip(rf, PROXY) == PROXY  # no header: the proxy itself (a health check, say)


def test_addresses_a_client_prepends_are_never_read(rf, settings):
    """nginx appends the address it was reached from; what the client sent stays on the left."""
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY,)
    assert _ip(rf, PROXY, f"10.0.0.1, 198.51.100.99, {CLIENT}") == CLIENT


def test_an_untrusted_connection_cannot_forge_its_address(rf, settings):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY, "10.0.0.0/8")
    assert _ip(rf, "198.51.100.20", CLIENT) == "198.51.100.20"
    assert _ip(rf, "198.51.100.20", f"{CLIENT}, 10.1.2.3") == "198.51.100.20"


def test_a_chain_of_trusted_proxies_is_walked_to_the_client(rf, settings):
    # a load balancer in 10.0.0.0/8 in front of nginx on this machine
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY, "10.0.0.0/8")
    assert _ip(rf, PROXY, f"{CLIENT}, 10.1.2.3") == CLIENT
    assert _ip(rf, PROXY, f"198.51.100.99, {CLIENT}, 10.1.2.3") == CLIENT  # client's own, left
    # only proxies all the way: the furthest one is the best there is
    assert _ip(rf, PROXY, "10.9.9.9, 10.1.2.3") == "10.9.9.9"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        (f"{CLIENT}, not-an-address, 10.1.2.3", "10.1.2.3"),  # stops at the bad entry
        ("not-an-address", PROXY),
        (f"{CLIENT}:4711, 10.1.2.3", "10.1.2.3"),  # an address with a port is not an address
        (f"{CLIENT}, , 10.1.2.3", "10.1.2.3"),  # an empty entry too
        ("unknown", PROXY),
    ],
)
def test_a_malformed_entry_stops_the_walk_at_the_last_good_address(
    rf, settings, forwarded, expected
):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY, "10.0.0.0/8")
    assert _ip(rf, PROXY, forwarded) == expected


def test_ipv6_and_ipv4_mapped_addresses(rf, settings):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = ("::1", PROXY)
    assert _ip(rf, "::1", "2001:db8::5") == "2001:db8::5"
    # a dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d: the same proxy, the same client
    assert _ip(rf, f"::ffff:{PROXY}", CLIENT) == CLIENT
    assert _ip(rf, "2001:db8::9", CLIENT) == "2001:db8::9"


def test_no_address_at_all_is_none(rf, settings):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY,)
    assert audit.client_ip(None) is None
    assert _ip(rf, "", CLIENT) is None  # a Unix socket gives no REMOTE_ADDR


def test_the_audit_log_records_the_client_behind_the_proxy(client, people, settings):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY,)
    client.force_login(people["viewer"])
    refused = client.get(reverse("portal:audit"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    assert refused.status_code == 403
    assert AuditEvent.objects.get(action="refused").ip_address == CLIENT


def _sign_in(client, password, forwarded, remote=PROXY):
    return client.post(
        reverse("portal:sign-in"),
        {"username": "ana", "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_a_lock_out_behind_the_proxy_is_per_client_not_per_proxy(people, settings):
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY,)
    guesser, colleague = Client(), Client()
    for attempt in range(5):
        _sign_in(guesser, f"wrong {attempt}", "198.51.100.66")
    locked = _sign_in(guesser, PASSWORD, "198.51.100.66")
    assert locked.status_code == 429  # locked out: even the right password is refused
    lock_outs = AuditEvent.objects.filter(action="locked_out")
    assert {e.ip_address for e in lock_outs} == {"198.51.100.66"}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}
    # the same account from another client behind the same proxy is not locked out
    assert _sign_in(colleague, PASSWORD, CLIENT).status_code == 302


def test_a_client_cannot_escape_the_lock_out_by_forging_the_header(people, settings):
    """Connecting directly (not through the proxy) and sending a new X-Forwarded-For each time
    changes nothing: the header is not read from an untrusted connection."""
    settings.SVDUTY_PORTAL_TRUSTED_PROXIES = (PROXY,)
    guesser = Client()
    for attempt in range(5):
        _sign_in(guesser, f"wrong {attempt}", f"192.0.2.{attempt}", remote="198.51.100.66")
    locked = _sign_in(guesser, PASSWORD, "192.0.2.200", remote="198.51.100.66")
    assert locked.status_code == 429
    # and behind the proxy, prepending addresses changes nothing either
    for attempt in range(5):
        _sign_in(guesser, f"wrong {attempt}", f"192.0.2.{attempt}, {CLIENT}")
    assert _sign_in(guesser, PASSWORD, f"192.0.2.201, {CLIENT}").status_code == 429


def _settings_env(tmp_path, trusted: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    env.update(
        SVDUTY_HOME=str(tmp_path),
        SVDUTY_PORTAL_SECRET_KEY=secrets.token_urlsafe(64),
        SVDUTY_PORTAL_TRUSTED_PROXIES=trusted,
    )
    return env


def test_the_setting_is_read_from_the_environment(tmp_path):
    result = manage(_settings_env(tmp_path, " 127.0.0.1, 10.0.0.0/8 ,"), "diffsettings")
    assert result.returncode == 0, result.stderr
    assert "SVDUTY_PORTAL_TRUSTED_PROXIES = ('127.0.0.1', '10.0.0.0/8')" in result.stdout


@pytest.mark.parametrize("bad", ["nginx.internal", "10.0.0.0/33", "127.0.0.1:8000"])
def test_a_malformed_trusted_proxy_stops_the_portal_starting(tmp_path, bad):
    result = manage(_settings_env(tmp_path, f"127.0.0.1,{bad}"), "check")
    assert result.returncode != 0
    assert "SVDUTY_PORTAL_TRUSTED_PROXIES" in result.stderr and repr(bad) in result.stderr
