"""Views: data sharing agreements: the list and each agreement (for those who manage them, and for
a data lead, the agreements their organisation is party to), and recording or changing one.
Another organisation's agreement is a 404 (its existence is not confirmed) and the attempt is
audited.

Every change is audited with the fields it changed, before and after. Whether an upload may go
ahead is decided from these records by :func:`svduty.portal.agreements.permits`.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from svduty.portal import audit
from svduty.portal.access import membership, require
from svduty.portal.forms import AgreementForm
from svduty.portal.models import Agreement, AuditEvent
from svduty.portal.roles import Capability, can
from svduty.sources.feeds import FEEDS

__all__ = ["agreement", "agreement_edit", "agreement_new", "agreements", "status", "urlpatterns"]

# Reading agreements is for those who share data under them (UPLOAD) and those who manage them;
# every role that manages agreements also uploads (roles.py; a test holds this), so UPLOAD is
# the gate and MANAGE_AGREEMENTS widens what is seen from one's own organisation's to all.
READ = Capability.UPLOAD
MANAGE = Capability.MANAGE_AGREEMENTS


def status(a: Agreement, on: date | None = None) -> tuple[str, str]:
    """(label, tag class): in force, review overdue, not yet started or withdrawn."""
    on = on or timezone.localdate()
    if a.withdrawn:
        return "Withdrawn", "tag-grey"
    if a.review_date < on:
        return "Review overdue", "tag-harmful"
    if a.starts > on:
        return "Not yet in force", "tag-warning"
    return "In force", "tag-ok"


def _visible(request: HttpRequest) -> QuerySet:
    """All agreements for a manager; otherwise those the person's organisation is party to."""
    m = membership(request.user)
    found = Agreement.objects.select_related("owner").prefetch_related("parties")
    if m is not None and can(m.role, Capability.MANAGE_AGREEMENTS):
        return found
    if m is None:
        return found.none()
    return found.filter(parties=m.organisation).distinct()


@require(READ)
def agreements(request: HttpRequest) -> HttpResponse:
    """The agreements the person may see, each with its status."""
    today = timezone.localdate()
    rows = [{"a": a, "status": status(a, today)} for a in _visible(request)]
    return render(
        request,
        "portal/agreements/list.html",
        {
            "title": "Data sharing agreements",
            "rows": rows,
            "manage": can(getattr(membership(request.user), "role", None), MANAGE),
        },
    )


def _visible_one(request: HttpRequest, pk: int) -> Agreement:
    """The agreement if the person may see it; otherwise 404, so its existence is not
    confirmed, and the attempt audited as a refusal (as another organisation's upload is)."""
    a = _visible(request).filter(pk=pk).first()
    if a is None:
        audit.record(
            request,
            AuditEvent.Action.REFUSED,
            request.path,
            agreement=pk,
            reason="no such agreement, or one the organisation is not party to",
        )
        raise Http404("no such agreement")
    return a


@require(READ)
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """One agreement in full; not found (and audited) for a data lead whose organisation is not
    a party."""
    a = _visible_one(request, pk)
    label, tag = status(a)
    m = membership(request.user)
    return render(
        request,
        "portal/agreements/detail.html",
        {
            "title": a.title,
            "a": a,
            "status": label,
            "tag": tag,
            "blocked": not a.in_force(),
            "feeds": [(f, FEEDS[f].title if f in FEEDS else "unknown feed") for f in a.feeds],
            "manage": can(m.role if m else None, Capability.MANAGE_AGREEMENTS),
        },
    )


def _values(a: Agreement) -> dict:
    """The agreement's fields as the audit log keeps them (text, lists and ISO dates)."""
    return {
        "title": a.title,
        "parties": sorted(o.name for o in a.parties.all()),
        "owner": a.owner.name,
        "purpose": a.purpose,
        "legal_basis": a.legal_basis,
        "gdpr_basis": a.gdpr_basis,
        "data_categories": a.data_categories,
        "feeds": sorted(a.feeds),
        "aggregate_only": a.aggregate_only,
        "retention": a.retention,
        "starts": a.starts.isoformat(),
        "review_date": a.review_date.isoformat(),
        "withdrawn": a.withdrawn,
    }


def _save(request: HttpRequest, form: AgreementForm, before: dict | None) -> tuple[Agreement, dict]:
    """Save the form and audit what changed (every field, for a new agreement)."""
    with transaction.atomic():
        a = form.save()
        changed = audit.record_change(
            request, AuditEvent.Action.AGREEMENT_CHANGE, f"agreement {a.pk}: {a.title}", before,
            _values(a),
        )  # fmt: skip
    return a, changed


def _form_page(request, form, title, a=None) -> HttpResponse:
    return render(
        request,
        "portal/agreements/form.html",
        {"title": title, "form": form, "a": a},
        status=400 if form.errors else 200,
    )


@require(Capability.MANAGE_AGREEMENTS)
def agreement_new(request: HttpRequest) -> HttpResponse:
    """Record a signed agreement."""
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        a, _ = _save(request, form, None)
        messages.success(request, f"Recorded the agreement '{a.title}'.")
        return redirect("portal:agreement", pk=a.pk)
    return _form_page(request, form, "Record an agreement")


@require(Capability.MANAGE_AGREEMENTS)
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an agreement: a new review date, parties, feeds, or withdrawal. Only those who
    manage agreements get here, and they see every one: a 404 is an agreement that does not
    exist, not a refusal."""
    a = get_object_or_404(Agreement, pk=pk)
    before = _values(a)
    form = AgreementForm(request.POST or None, instance=a)
    if request.method == "POST" and form.is_valid():
        a, changed = _save(request, form, before)
        if changed:
            messages.success(request, f"Changed {', '.join(changed)} of '{a.title}'.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect("portal:agreement", pk=a.pk)
    return _form_page(request, form, f"Change '{before['title']}'", a)


urlpatterns = [
    path("agreements/", agreements, name="agreements"),
    path("agreements/new/", agreement_new, name="agreement-new"),
    path("agreements/<int:pk>/", agreement, name="agreement"),
    path("agreements/<int:pk>/edit/", agreement_edit, name="agreement-edit"),
]
