"""Views: the Duty's process on record (docs/duty.md).

- Consultations: read by those who answer for the process (analysts and board members), every
  read audited (a consultation can hold what a prison or a school said in confidence); recorded
  and changed by analysts, every change audited with its fields before and after.
- The compliance tracker: for the board and the police and crime commissioner (s14 of the 2022
  Act lets the commissioner monitor the duty): analysts and board members, and anyone whose
  organisation is the commissioner's office. Derived from the records, never typed in.
- The review before publication: a named approver of an approved version confirms the content
  was reviewed against the grounds on which material may be withheld, recording what was left
  out and why; publishing waits for it (product_workflow.request_publish).
- Where the published strategy was sent: recorded by analysts.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from svduty.portal import audit, duty, product_workflow
from svduty.portal.access import membership, require
from svduty.portal.forms_duty import (
    ConsultationForm,
    DisseminationForm,
    PublicationReviewForm,
    WithheldFormSet,
)
from svduty.portal.models import AuditEvent, Consultation, Organisation, ProductVersion
from svduty.portal.roles import Capability, can
from svduty.portal.views.product_versions import READ as READ_PRODUCTS
from svduty.portal.views.product_versions import require_any

__all__ = ["urlpatterns"]

Status = ProductVersion.Status


# ---- consultations ------------------------------------------------------------------------------


def _areas() -> dict[str, str]:
    return product_workflow.area_names()


@require(Capability.VIEW_DUTY_RECORD)
def consultations(request: HttpRequest) -> HttpResponse:
    """Every consultation on record, newest first (an audited read)."""
    names = _areas()
    rows = list(duty.consultations_for(None).select_related("recorded_by"))
    for c in rows:
        c.area_name = names.get(c.area_id, c.area_id) if c.area_id else "The whole partnership"
    audit.record(request, AuditEvent.Action.RESTRICTED_VIEW, request.path, consultations=len(rows))
    m = membership(request.user)
    return render(
        request,
        "portal/duty/consultations.html",
        {
            "title": "Consultations",
            "rows": rows,
            "may_record": can(m.role if m else None, Capability.RECORD_DUTY),
            "required": [Consultation.Kind(k).label for k in Consultation.REQUIRED],
        },
    )


def _consultation_values(c: Consultation) -> dict:
    return {
        "body": c.body,
        "kind": c.kind,
        "area_id": c.area_id,
        "held_on": c.held_on.isoformat(),
        "method": c.method,
        "said": c.said,
        "response": c.response,
    }


def _consultation_form(request: HttpRequest, instance: Consultation | None) -> HttpResponse:
    before = _consultation_values(instance) if instance is not None else None
    form = ConsultationForm(request.POST or None, instance=instance, areas=_areas())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            c = form.save(commit=False)
            if instance is None:
                c.recorded_by = request.user
            c.save()
            changed = audit.record_change(
                request,
                AuditEvent.Action.CONSULTATION_CHANGE,
                f"consultation {c.pk}: {c.body}",
                before,
                _consultation_values(c),
            )
        messages.success(
            request,
            f"Recorded the consultation of {c.body}." if before is None else
            (f"Changed {', '.join(changed)} of the consultation of {c.body}." if changed
             else "Nothing changed."),
        )  # fmt: skip
        return redirect("portal:consultations")
    title = (
        "Record a consultation"
        if instance is None
        else f"Change the consultation of {instance.body}"
    )
    return render(
        request,
        "portal/duty/consultation_form.html",
        {"title": title, "form": form, "c": instance},
        status=400 if form.errors else 200,
    )


@require(Capability.RECORD_DUTY)
def consultation_new(request: HttpRequest) -> HttpResponse:
    return _consultation_form(request, None)


@require(Capability.RECORD_DUTY)
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _consultation_form(request, get_object_or_404(Consultation, pk=pk))


# ---- the compliance tracker ---------------------------------------------------------------------


def _may_see_compliance(user) -> bool:
    """Analysts and board members; and the police and crime commissioner's office, whose
    s14 role is to monitor the duty, whatever its people's role."""
    m = membership(user)
    if m is None:
        return False
    return can(m.role, Capability.VIEW_DUTY_RECORD) or m.organisation.kind == Organisation.Kind.PCC


def compliance_access(view):
    """As access.require, with the commissioner's office let in (``_may_see_compliance``)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not _may_see_compliance(request.user):
            audit.record(
                request,
                AuditEvent.Action.REFUSED,
                request.path,
                capability=f"{Capability.VIEW_DUTY_RECORD} or the commissioner's office",
            )
            raise PermissionDenied("your role does not allow the compliance tracker")
        return view(request, *args, **kwargs)

    wrapped.capability = Capability.VIEW_DUTY_RECORD
    return wrapped


def _definition() -> dict | None:
    try:
        return product_workflow.load_partnership().local_definition
    except product_workflow.WorkflowError:
        return None


@compliance_access
def compliance(request: HttpRequest) -> HttpResponse:
    """Each requirement of the Act and the guidance with its status, for each area (audited:
    it names the bodies consulted)."""
    names = _areas()
    definition = _definition()
    tables = [(name, duty.requirements(area_id, definition)) for area_id, name in names.items()]
    if not tables:  # no configuration yet: the partnership as a whole
        tables = [("The partnership", duty.requirements(None, definition))]
    audit.record(request, AuditEvent.Action.RESTRICTED_VIEW, request.path, areas=list(names))
    return render(
        request,
        "portal/duty/compliance.html",
        {"title": "The Duty's requirements on the record", "tables": tables},
    )


# ---- the review before publication, and where the strategy was sent ----------------------------


@require_any(*READ_PRODUCTS)
def publication_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviews recorded for a version and, for a named approver of an approved version, the
    form to confirm one."""
    version = get_object_or_404(ProductVersion, pk=pk)
    named = version.approvers.filter(pk=request.user.pk).exists()
    may_confirm = named and version.status == Status.APPROVED
    form = PublicationReviewForm(request.POST or None)
    withheld = WithheldFormSet(request.POST or None, prefix="withheld")
    if request.method == "POST":
        if not may_confirm:
            audit.record(
                request,
                AuditEvent.Action.REFUSED,
                request.path,
                product=version.pk,
                reason="not a named approver of an approved version",
            )
            raise PermissionDenied("only a named approver of an approved version confirms it")
        if form.is_valid() and withheld.is_valid():
            items = [f.cleaned_data for f in withheld.forms if f.cleaned_data]
            try:
                review = product_workflow.confirm_review(
                    version, request.user, form.cleaned_data["note"], items
                )
            except product_workflow.NotAllowed as exc:  # raced: no longer named
                raise PermissionDenied(str(exc)) from None
            except product_workflow.WorkflowError as exc:
                messages.error(request, str(exc))
                return redirect("portal:product", pk=version.pk)
            audit.record(
                request,
                AuditEvent.Action.PUBLICATION_REVIEW,
                product_workflow.target(version),
                product=version.pk,
                review=review.pk,
                withheld=[{"what": i["what"], "ground": i["ground"]} for i in items],
            )
            messages.success(request, "Recorded your review: the version may now be published.")
            return redirect("portal:product", pk=version.pk)
    reviews = version.publication_reviews.select_related("reviewer").prefetch_related("withheld")
    return render(
        request,
        "portal/duty/publication_review.html",
        {
            "title": f"Review before publication: {version.get_kind_display()} v{version.version}",
            "v": version,
            "form": form,
            "withheld": withheld,
            "may_confirm": may_confirm,
            "reviews": reviews,
        },
        status=400 if form.errors or withheld.total_error_count() else 200,
    )


@require(Capability.RECORD_DUTY)
def dissemination(request: HttpRequest, pk: int) -> HttpResponse:
    """Record to whom and when a published strategy was sent; the list so far."""
    version = get_object_or_404(ProductVersion, pk=pk)
    form = DisseminationForm(request.POST or None)
    sendable = version.kind == ProductVersion.Kind.STRATEGY and version.status in (
        Status.PUBLISHED,
        Status.SUPERSEDED,
    )
    if request.method == "POST":
        if not sendable:
            form.add_error(None, "Only a published strategy is recorded as sent.")
        elif form.is_valid():
            sent = form.save(commit=False)
            sent.product = version
            sent.recorded_by = request.user
            sent.save()
            audit.record(
                request,
                AuditEvent.Action.DISSEMINATION,
                product_workflow.target(version),
                product=version.pk,
                recipient=sent.recipient,
                sent_on=sent.sent_on.isoformat(),
            )
            messages.success(request, f"Recorded that it was sent to {sent.recipient}.")
            return redirect("portal:product-dissemination", pk=version.pk)
    return render(
        request,
        "portal/duty/dissemination.html",
        {
            "title": f"Where the strategy was sent: v{version.version}",
            "v": version,
            "form": form,
            "sendable": sendable,
            "rows": version.disseminations.all(),
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("consultations/", consultations, name="consultations"),
    path("consultations/new/", consultation_new, name="consultation-new"),
    path("consultations/<int:pk>/edit/", consultation_edit, name="consultation-edit"),
    path("compliance/", compliance, name="compliance"),
    path("products/<int:pk>/review/", publication_review, name="product-publication-review"),
    path("products/<int:pk>/sent/", dissemination, name="product-dissemination"),
]
