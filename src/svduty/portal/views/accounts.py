"""Views: signing in and out (with django-axes throttling and optional TOTP two-factor), signing
out everywhere, the home page, a person's two-factor set-up, and people's roles and memberships.

Signing in is two steps for a person with a confirmed authenticator: the password first, then a
code. Only after the code is the person logged in (and the sign-in audited); a wrong code counts
as a failed sign-in, so django-axes locks the account after five wrong passwords or codes alike.
"""

from __future__ import annotations

import math
import time
from base64 import b32encode
from urllib.parse import quote, urlencode, urlsplit

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, LogoutView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import NoReverseMatch, Resolver404, path, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from svduty.portal import audit, sessions
from svduty.portal.access import membership, require
from svduty.portal.forms import CodeForm, PersonForm, SignInForm
from svduty.portal.models import AuditEvent, Membership
from svduty.portal.roles import CAPABILITIES, Capability, Role

__all__ = [
    "SignInView",
    "home",
    "people",
    "person",
    "sign_in_code",
    "sign_out_everywhere",
    "two_factor",
    "urlpatterns",
]

PENDING = "portal_pending_sign_in"  # session key: who gave a right password, awaiting a code
PENDING_SECONDS = 5 * 60  # the code must follow the password within this time
ISSUER = "svduty"  # how authenticator apps label the account
SIGN_IN_STEPS = frozenset({"portal:sign-in", "portal:sign-in-code"})  # never a place to return to

# What each capability means for the person, and where they go to use it (a URL name).
DOES: dict[Capability, tuple[str, str | None]] = {
    Capability.VIEW_DASHBOARD: ("See the success measures, trends and maps", "portal:dashboard"),
    Capability.VIEW_RECORDS: ("See record-level (pseudonymised) rows and quarantined rows", None),
    Capability.UPLOAD: (
        "Upload extracts for the feeds your organisation's agreements cover",
        "portal:uploads",
    ),
    Capability.VIEW_UPLOADS: ("Follow uploads and read their validation reports", "portal:uploads"),
    Capability.MANAGE_AGREEMENTS: (
        "Record and change data sharing agreements",
        "portal:agreements",
    ),
    Capability.DRAFT_PRODUCTS: (
        "Build draft needs assessments, strategies and annual reviews",
        "portal:products",
    ),
    Capability.APPROVE_PRODUCTS: ("Approve products as a named approver", "portal:products"),
    Capability.PUBLISH_PRODUCTS: ("Publish approved products", "portal:products"),
    Capability.VIEW_AUDIT: ("Search and export the audit log", "portal:audit"),
    Capability.MANAGE_PEOPLE: ("Change people's roles, organisations and groups", "portal:people"),
    Capability.VIEW_DUTY_RECORD: (
        "Read the Duty's record: consultations and the compliance tracker",
        "portal:compliance",
    ),
    Capability.RECORD_DUTY: ("Record consultations", "portal:consultations"),
}
ROLE_NAMES = {
    Role.ANALYST: "Partnership analyst",
    Role.DATA_LEAD: "Partner data lead",
    Role.BOARD: "Board member",
    Role.VIEWER: "Viewer",
}


def _url(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        return reverse(name)
    except NoReverseMatch:  # an area not built yet: the page still says what the role allows
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the signed-in person's role lets them do, their organisation and groups."""
    m = membership(request.user)
    role = Role(m.role) if m else None
    can_do = [
        {"text": DOES[c][0], "url": _url(DOES[c][1])}
        for c in Capability
        if role is not None and c in CAPABILITIES[role]
    ]
    return render(
        request,
        "portal/home.html",
        {
            "title": "Home",
            "role_name": ROLE_NAMES.get(role, ""),
            "can_do": can_do,
            "groups": list(m.groups.all()) if m else [],
            "two_factor": user_has_device(request.user, confirmed=True),
            "idle_minutes": settings.SVDUTY_PORTAL_SESSION_IDLE_MINUTES,
        },
    )


def _note_lockout(request: HttpRequest) -> None:
    """When django-axes has locked the person out, the time they may try again, for the
    locked-out page (each further attempt while locked out starts the wait again)."""
    if getattr(request, "axes_locked_out", False):
        request.portal_try_again_at = timezone.localtime() + get_cool_off(request)


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class SignInView(LoginView):
    """Username and password; a person with an authenticator goes on to give a code."""

    template_name = "portal/accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    extra_context = {"title": "Sign in"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            failure_limit=settings.AXES_FAILURE_LIMIT,
            cooloff_minutes=round(settings.AXES_COOLOFF_TIME * 60),
            **kwargs,
        )

    def get_redirect_url(self) -> str:
        """The safe ``next`` address, unless it is a step of signing in itself: a signed-in
        person sent back to the sign-in page would loop (Django raises, a 500), so they go
        home instead."""
        url = super().get_redirect_url()
        try:
            name = resolve(urlsplit(url).path).view_name if url else ""
        except Resolver404:
            return url  # not one of ours to judge: the page will say it is not found
        return "" if name in SIGN_IN_STEPS else url

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        _note_lockout(request)
        return response

    def form_valid(self, form):
        user = form.get_user()
        if not user_has_device(user, confirmed=True):
            return super().form_valid(form)  # logs in; signals.py audits the sign-in
        # the password was right, but the person is not signed in until the code is
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_redirect_url(),
        }
        return redirect("portal:sign-in-code")


def _pending(request: HttpRequest):
    """The person who gave the right password and owes a code, and the pending record."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _throttled_for(user) -> int:
    """Seconds until django-otp lets the person's devices check a code again (it doubles the
    wait after each wrong code); 0 when one may check now."""
    waits = []
    for device in devices_for_user(user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if allowed:
            return 0
        until = (data or {}).get("locked_until")
        waits.append(math.ceil((until - timezone.now()).total_seconds()) if until else 1)
    return max(1, min(waits)) if waits else 0


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the person's authenticator app."""
    user, pending = _pending(request)
    if user is None:
        messages.info(request, "Sign in with your username and password first.")
        return redirect("portal:sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            # locked out meanwhile (by wrong codes or passwords): axes shows the locked-out page
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            request.axes_locked_out = True
        elif form.is_valid():
            wait = _throttled_for(user)
            device = None if wait else match_token(user, form.cleaned_data["code"])
            if device is not None:
                request.session.pop(PENDING, None)
                auth_login(request, user, backend=pending["backend"])  # audited by signals.py
                otp_login(request, device)
                return redirect(_safe_next(request, pending.get("next")))
            form.add_error(
                "code",
                f"Too many codes were tried: wait {wait} second{'s' if wait != 1 else ''}, then "
                "enter the code the app shows."
                if wait
                else "That code is not right or has expired. Enter the code the app shows now.",
            )
            # a code that did not sign the person in is a failed sign-in: audited, and counted
            # by django-axes with wrong passwords
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING, None)
            _note_lockout(request)
    return render(
        request,
        "portal/accounts/sign_in_code.html",
        {"title": "Enter your code", "form": form},
        status=400 if form.errors else 200,
    )


def _config_url(device: TOTPDevice) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{ISSUER}:{device.user.get_username()}")
    query = urlencode(
        {
            "secret": b32encode(device.bin_key).decode(),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def _qr_svg(url: str) -> str:
    """The QR code as inline SVG, drawn here: the secret never leaves the server."""
    svg = segno.make(url, error="m").svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", title="QR code for your authenticator app"
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # segno's own markup


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (QR code or typed secret, confirmed by a code), or remove it."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = CodeForm(request.POST or None)
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["code"]):
                TOTPDevice.objects.filter(user=user).delete()
                audit.record(request, AuditEvent.Action.TWO_FACTOR, user.get_username(), on=False)
                messages.success(request, "Two-factor sign-in is off: you sign in with a password.")
                return redirect("portal:two-factor")
            form.add_error(
                "code", "That code is not right or has expired: enter the one shown now."
            )
        return render(
            request,
            "portal/accounts/two_factor.html",
            {"title": "Two-factor sign-in", "on": True, "form": form},
            status=400 if form.errors else 200,
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(request, AuditEvent.Action.TWO_FACTOR, user.get_username(), on=True)
            messages.success(
                request, "Two-factor sign-in is on: you will be asked for a code when you sign in."
            )
            return redirect("portal:two-factor")
        form.add_error(
            "code", "That code is not right or has expired: check the app and enter the code now."
        )
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "portal/accounts/two_factor.html",
        {
            "title": "Two-factor sign-in",
            "on": False,
            "form": form,
            "qr": _qr_svg(_config_url(device)),
            "secret": _grouped(secret),
        },
        status=400 if form.errors else 200,
    )


@require(Capability.MANAGE_PEOPLE)
def people(request: HttpRequest) -> HttpResponse:
    """Everyone with an account: organisation, role and groups."""
    users = (
        get_user_model()
        .objects.order_by("username")
        .select_related("membership__organisation")
        .prefetch_related("membership__groups")
    )
    rows = []
    for u in users:
        m = getattr(u, "membership", None)
        rows.append(
            {
                "user": u,
                "membership": m,
                "role_name": ROLE_NAMES.get(Role(m.role), m.role) if m else "",
                "groups": [g.name for g in m.groups.all()] if m else [],
            }
        )
    return render(request, "portal/accounts/people.html", {"title": "People", "rows": rows})


def _snapshot(m: Membership | None) -> dict:
    if m is None:
        return {"role": None, "organisation": None, "groups": []}
    return {
        "role": m.role,
        "organisation": m.organisation.name,
        "groups": sorted(g.name for g in m.groups.all()),
    }


def _refuse_own_change(form: PersonForm, data: dict, m: Membership | None) -> None:
    """No one changes their own role or organisation: a role change could lose the partnership
    its last analyst, and an organisation change would let an analyst act for another
    organisation (confirming its uploads, say) on nobody's say-so but their own."""
    if data["role"] != (m.role if m else None):
        form.add_error("role", "You cannot change your own role: ask another analyst.")
    if data["organisation"].pk != (m.organisation_id if m else None):
        form.add_error(
            "organisation", "You cannot change your own organisation: ask another analyst."
        )


@require(Capability.MANAGE_PEOPLE)
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one person's role, organisation and groups; the change is audited with the
    before and after."""
    # not a restricted read: whoever may manage people sees everyone (the list above), so a 404
    # here is an account that does not exist, not a refusal to audit
    who = get_object_or_404(get_user_model(), pk=pk)
    m = Membership.objects.filter(user=who).select_related("organisation").first()
    before = _snapshot(m)
    initial = (
        {"role": m.role, "organisation": m.organisation, "groups": list(m.groups.all())}
        if m
        else {}
    )
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if who == request.user:
            _refuse_own_change(form, data, m)
            if form.errors:  # an attempt to give oneself more than one has is worth knowing of
                audit.record(
                    request, AuditEvent.Action.REFUSED, request.path, reason="own membership"
                )
        if not form.errors:
            with transaction.atomic():
                if m is None:
                    m = Membership(user=who)
                m.role, m.organisation = data["role"], data["organisation"]
                m.save()
                m.groups.set(data["groups"])
                after = _snapshot(m)
                changed = sorted(k for k in after if after[k] != before[k])
                if changed:
                    audit.record(
                        request,
                        AuditEvent.Action.ROLE_CHANGE,
                        who.get_username(),
                        before=before,
                        after=after,
                        changed=changed,
                    )
            if changed:
                messages.success(request, f"{who.get_username()}: changed {', '.join(changed)}.")
            else:
                messages.info(request, f"{who.get_username()}: nothing changed.")
            return redirect("portal:people")
    return render(
        request,
        "portal/accounts/person.html",
        {"title": f"Change {who.get_username()}", "who": who, "form": form},
        status=400 if form.errors else 200,
    )


class SignOutView(LogoutView):
    """POST only (Django's LogoutView refuses GET): a link cannot sign a person out."""

    next_page = "portal:sign-in"


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in person, on every computer, this one included; one
    audited sign-out saying how many sessions ended."""
    user = request.user
    ended = sessions.end_sessions(user)
    request.portal_sign_out_detail = {"everywhere": True, "sessions_ended": ended}
    auth_logout(request)  # audited by signals.py, with the detail above
    messages.success(
        request,
        f"You are signed out everywhere: {ended} session{'s' if ended != 1 else ''} of "
        f"{user.get_username()} ended.",
    )
    return redirect("portal:sign-in")


urlpatterns = [
    path("", home, name="home"),
    path("sign-in/", SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", sign_in_code, name="sign-in-code"),
    path("sign-out/", SignOutView.as_view(), name="sign-out"),
    path("sign-out-everywhere/", sign_out_everywhere, name="sign-out-everywhere"),
    path("account/two-factor/", two_factor, name="two-factor"),
    path("people/", people, name="people"),
    path("people/<int:pk>/", person, name="person"),
]
