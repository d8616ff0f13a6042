"""Django settings for the portal, from the environment (docs/settings.md, docs/deploy.md).

The embedded default (`svduty serve`) keeps the portal's own database in SQLite under
SVDUTY_HOME and reads the DuckDB warehouse there. Production sets SVDUTY_PORTAL_PRODUCTION=1,
a PostgreSQL SVDUTY_PORTAL_DATABASE_URL, a secret key and the allowed hosts; then cookies are
secure, HSTS is on and `python -m svduty.portal check --deploy` is clean.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

from svduty.settings import Config

_FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True,
               "0": False, "false": False, "no": False, "off": False}  # fmt: skip


def flag(name: str, default: bool) -> bool:
    """A yes/no setting: 1/0, true/false, yes/no or on/off in any case; unset or empty, the
    default. Any other value stops the portal: read as "off", a mistyped SVDUTY_PORTAL_PRODUCTION
    would quietly start it without its production protections."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return _FLAG_VALUES[raw.lower()]
    except KeyError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a yes/no value: set it to one of "
            f"{', '.join(_FLAG_VALUES)} (any case), or leave it unset for the default "
            "(docs/settings.md)"
        ) from None


CONFIG = Config.from_env()
HOME = CONFIG.home
PRODUCTION = flag("SVDUTY_PORTAL_PRODUCTION", default=False)
BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    """From SVDUTY_PORTAL_SECRET_KEY, else a key made once and kept in the data directory."""
    key = os.environ.get("SVDUTY_PORTAL_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SVDUTY_PORTAL_SECRET_KEY must be set in production (docs/deploy.md)")
    path = HOME / "keys" / "portal-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


def _database(url: str | None) -> dict:
    if not url:
        HOME.mkdir(parents=True, exist_ok=True)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": HOME / "portal.sqlite3"}
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
        }
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path)}
    raise RuntimeError(
        f"SVDUTY_PORTAL_DATABASE_URL {url!r}: use postgresql://user@host:port/db or sqlite:///path"
    )


def _trusted_proxies(value: str) -> tuple[str, ...]:
    """SVDUTY_PORTAL_TRUSTED_PROXIES: comma-separated addresses or networks (CIDR). A malformed
    entry stops the portal starting, rather than leaving a proxy silently untrusted (every
    client would then share its address) or a typo trusted."""
    entries = tuple(e.strip() for e in value.split(",") if e.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise RuntimeError(
                f"SVDUTY_PORTAL_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                f"({exc}); give addresses or CIDR networks, comma-separated, e.g. "
                "127.0.0.1,10.0.0.0/8 (docs/settings.md)"
            ) from None
    return entries


def _positive_int(name: str, default: int) -> int:
    """An environment setting that must be a whole number above zero (a limit, minutes, hours);
    unset or empty, the default; anything else stops the portal starting, as a bad yes/no value
    does (flag), rather than a typo silently lifting a limit."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a whole number above zero: give one, e.g. {default} "
            "(docs/settings.md)"
        )
    return number


SECRET_KEY = _secret_key()
DEBUG = flag("SVDUTY_PORTAL_DEBUG", default=False) and not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SVDUTY_PORTAL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SVDUTY_PORTAL_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "svduty.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # the stylesheet (and the admin's static files) from the WSGI app itself: no web server
    # configuration and no collectstatic, in the embedded default and behind a proxy alike
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # after authentication and messages: ends an idle session, saying why on the sign-in page
    "svduty.portal.sessions.IdleTimeout",
    # every response to a signed-in person: Cache-Control: no-store
    "svduty.portal.no_store.NoStoreWhenSignedIn",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as django-axes asks: it sees the outcome of authentication
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out person before checking
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "svduty.portal.urls"
WSGI_APPLICATION = "svduty.portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "svduty.portal.context.portal",
            ],
        },
    },
]

DATABASES = {"default": _database(os.environ.get("SVDUTY_PORTAL_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# argon2 first: new and changed passwords are hashed with it (OWASP's first choice)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:sign-in"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:sign-in"

# django-axes: five failures lock the username from that address for 30 minutes; and
# SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT failures from one address, whatever the usernames, lock
# that address (svduty.portal.throttle, docs/security.md)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "svduty.portal.throttle.Handler"
SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT = _positive_int("SVDUTY_PORTAL_ADDRESS_FAILURE_LIMIT", 20)
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
# The reverse proxies (nginx) whose X-Forwarded-For is believed: a request from one of them is
# the client's named in that header (svduty.portal.audit.client_ip); empty, the connection's
# address is the client's.
SVDUTY_PORTAL_TRUSTED_PROXIES = _trusted_proxies(
    os.environ.get("SVDUTY_PORTAL_TRUSTED_PROXIES", "")
)
# the lock-out and the audit log take a person's address from the same place (django-axes 8
# calls this before its own django-ipware or REMOTE_ADDR ways), so behind a trusted proxy a
# lock-out is per client, not per proxy
AXES_CLIENT_IP_CALLABLE = "svduty.portal.audit.client_ip"

# uploads are checked and loaded in the background by `python -m svduty.portal worker`
# (svduty serve starts one)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# one stylesheet for the products and the portal
STATICFILES_DIRS = [BASE_DIR.parent / "products" / "static"]
# WhiteNoise serves the files where the package installed them (the finders), so there is no
# collectstatic step and no STATIC_ROOT to keep in step with an upgrade; a handful of small files
# make the finders' start-up scan cheap.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
UPLOAD_ROOT = HOME / "uploads"  # partner extracts as received, before ingest


# A checked upload nobody confirms is cancelled (and its file deleted) after this long
UPLOAD_EXPIRY_HOURS = _positive_int("SVDUTY_PORTAL_UPLOAD_EXPIRY_HOURS", 72)
# The background worker computes the dashboards' data after each load and when it starts, so
# readers find them ready (portal/dashboard/warming.py, docs/concurrency.md)
DASHBOARD_WARMING = flag("SVDUTY_PORTAL_WARM_DASHBOARDS", True)
# For this long after a load, while the worker computes its new figures, the dashboards show
# the figures it last finished, saying so, rather than computing them while a person waits
# (portal/dashboard/catching_up.py)
DASHBOARD_CATCH_UP_SECONDS = _positive_int("SVDUTY_PORTAL_DASHBOARD_CATCH_UP_SECONDS", 300)
PRODUCTS_ROOT = HOME / "portal-products"  # built product versions (drafts and published)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security headers: a strict content security policy (no inline script; the charts are SVG)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day: the longest a session lasts, however busy
# a session also ends after this long without a request (svduty.portal.sessions)
SVDUTY_PORTAL_SESSION_IDLE_MINUTES = _positive_int("SVDUTY_PORTAL_SESSION_IDLE_MINUTES", 30)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production (SVDUTY_PORTAL_PRODUCTION=1, behind a TLS-terminating proxy, docs/deploy.md): cookies
# only over HTTPS, HSTS for a year, plain HTTP redirected, and the proxy's X-Forwarded-Proto
# trusted to say the request came over HTTPS (the proxy must set it, and overwrite any a client
# sent). Kept as one mapping so the security tests apply exactly these.
PRODUCTION_SECURITY = {
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": flag("SVDUTY_PORTAL_SSL_REDIRECT", default=True),
    "SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}
if PRODUCTION:
    if not os.environ.get("SVDUTY_PORTAL_ALLOWED_HOSTS"):
        raise RuntimeError(
            "SVDUTY_PORTAL_ALLOWED_HOSTS must be set in production: the portal's host name(s), "
            "comma-separated, e.g. portal.example.org (docs/deploy.md)"
        )
    globals().update(PRODUCTION_SECURITY)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # a 403 is one line, not a traceback (it is audited too)
    "filters": {"refusals_on_one_line": {"()": "svduty.portal.log_filters.RefusalsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["refusals_on_one_line"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
