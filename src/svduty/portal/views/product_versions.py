"""Views: products. Every version of the needs assessment, strategy and annual review by area;
drafting one (built in the background), sending it to named approvers, their decisions, and
publishing an approved one to the public site. The workflow is svduty.portal.product_workflow.

Partnership analysts draft and publish; board members approve. The built documents quote exact
counts, so they are served only to signed-in people who draft or approve, and each page view
is audited. Whoever may read products reads every version (they are the partnership's, not an
organisation's), so a version looked up by number and not found does not exist: a 404 here is
not a refusal, and the refusals (a role without the capability, a step not this person's to
take) are audited where they happen.
"""

from __future__ import annotations

import functools
import mimetypes
from datetime import datetime
from pathlib import Path

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST, require_safe

from svduty.portal import audit, product_workflow
from svduty.portal.access import require, role_of
from svduty.portal.models import AuditEvent, ProductVersion
from svduty.portal.product_builds import build_product, publish_product
from svduty.portal.roles import Capability, can
from svduty.products.area import areas as partnership_areas

__all__ = ["CONTENT_TYPES", "content_type", "require_any", "urlpatterns"]

Status = ProductVersion.Status
READ = (Capability.DRAFT_PRODUCTS, Capability.APPROVE_PRODUCTS)
TAGS = {
    Status.DRAFT: "tag-grey",
    Status.IN_APPROVAL: "tag-warning",
    Status.APPROVED: "tag-ok",
    Status.PUBLISHED: "tag-ok",
    Status.SUPERSEDED: "tag-grey",
}
BUILD_WORDS = {
    "queued": "Waiting to build",
    "building": "Building",
    "built": "Built",
    "failed": "Build failed",
    "missing": "Not built",
}
# What the files svduty.products writes are, for browsers (the rest: a download).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".geojson": "application/geo+json",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".yaml": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(file: Path) -> str:
    """The Content-Type to send ``file`` with."""
    known = CONTENT_TYPES.get(file.suffix.lower())
    return known or mimetypes.guess_type(file.name)[0] or "application/octet-stream"


def require_any(*capabilities: Capability):
    """As access.require, for a view open to any of ``capabilities`` (the permission matrix
    test reads ``view.capabilities``)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = role_of(request.user)
            if not any(can(role, c) for c in capabilities):
                audit.record(
                    request,
                    AuditEvent.Action.REFUSED,
                    request.path,
                    capability=" or ".join(str(c) for c in capabilities),
                )
                raise PermissionDenied(f"your role does not allow {' or '.join(capabilities)}")
            return view(request, *args, **kwargs)

        wrapped.capabilities = frozenset(capabilities)
        return wrapped

    return decorate


def _when(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


# ---- the list -----------------------------------------------------------------------------------


def _decorate(version: ProductVersion, names: dict[str, str]) -> ProductVersion:
    """Add what the pages show: area name, status tag, build state, this round's decisions."""
    version.area_name = names.get(version.area_id, version.area_id)
    version.tag = TAGS.get(version.status, "tag-grey")
    version.build = product_workflow.build_state(version)
    version.build_words = BUILD_WORDS.get(version.build.get("state"), "Unknown")
    version.built_at = _when(version.build.get("finished"))
    version.publishing = product_workflow.publish_state(version)
    decided = {a.approver_id: a for a in product_workflow.current_round(version)}
    version.approver_rows = [(u, decided.get(u.pk)) for u in version.approvers.all()]
    return version


@require_any(*READ)
@require_safe
def product_list(request: HttpRequest) -> HttpResponse:
    """Every version, by kind and area, with its status, approvers and decisions; a board
    member's own queue first."""
    names = product_workflow.area_names()
    versions = [
        _decorate(v, names)
        for v in ProductVersion.objects.select_related("created_by").prefetch_related("approvers")
    ]
    groups: dict[tuple[str, str], list] = {}
    for v in versions:
        groups.setdefault((v.get_kind_display(), v.area_name), []).append(v)
    mine = {v.pk for v in product_workflow.awaiting(request.user)}
    return render(
        request,
        "portal/products/list.html",
        {
            "title": "Products",
            "groups": [
                {"kind": kind, "area": area, "versions": vs} for (kind, area), vs in groups.items()
            ],
            "awaiting": [v for v in versions if v.pk in mine],
            "site_published": product_workflow.site_dir() is not None,
        },
    )


# ---- drafting -----------------------------------------------------------------------------------


class DraftForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to draft",
        choices=ProductVersion.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to draft"},
    )
    area = forms.ChoiceField(
        label="Area", error_messages={"required": "Choose the area the product is for"}
    )
    period = forms.CharField(label="Period", required=False, max_length=40)

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas


@require(Capability.DRAFT_PRODUCTS)
def product_new(request: HttpRequest) -> HttpResponse:
    """Choose kind, area and period; the draft is numbered and built in the background."""
    problem = ""
    try:
        choices = [(a.id, a.name) for a in partnership_areas(product_workflow.load_partnership())]
    except product_workflow.WorkflowError as exc:
        choices, problem = [], str(exc)
    form = DraftForm(request.POST or None, areas=choices)
    if request.method == "POST" and not problem and form.is_valid():
        data = form.cleaned_data
        try:
            version = product_workflow.start_draft(
                request.user, data["kind"], data["area"], data["period"]
            )
        except product_workflow.WorkflowError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            queued = build_product.enqueue(version.pk)
            audit.record(
                request,
                AuditEvent.Action.DRAFT,
                product_workflow.target(version),
                product=version.pk,
                kind=version.kind,
                area=version.area_id,
                period=version.label,
                task=str(queued.id),
            )
            return redirect("portal:product", pk=version.pk)
    return render(
        request,
        "portal/products/new.html",
        {"title": "Draft a product", "form": form, "problem": problem},
        status=400 if form.errors else 200,
    )


# ---- one version --------------------------------------------------------------------------------


def _detail(request, version: ProductVersion, *, errors=None, status: int = 200) -> HttpResponse:
    """The version's page, with any ``errors`` (field -> message) of a step just refused."""
    version = _decorate(version, product_workflow.area_names())
    role = role_of(request.user)
    decided = {row[0].pk: row[1] for row in version.approver_rows}
    named = request.user.pk in decided
    building = version.build.get("state") in ("queued", "building")
    publishing = product_workflow.publishing_under_way(version.publishing)
    public_page = product_workflow.public_page(version)
    return render(
        request,
        "portal/products/detail.html",
        {
            "title": f"{version.get_kind_display()}: {version.area_name} v{version.version}",
            "v": version,
            "errors": errors or {},
            "decisions": version.approvals.select_related("approver").order_by("at", "id"),
            "may_submit": (
                can(role, Capability.DRAFT_PRODUCTS)
                and version.status == Status.DRAFT
                and version.build.get("state") == "built"
            ),
            "board": product_workflow.board_members().exclude(pk=version.created_by_id),
            "chosen": {u.pk for u in version.approvers.all()},
            "may_decide": (
                can(role, Capability.APPROVE_PRODUCTS)
                and version.status == Status.IN_APPROVAL
                and named
                and decided.get(request.user.pk) is None
            ),
            "may_publish": (
                can(role, Capability.PUBLISH_PRODUCTS)
                and version.status == Status.APPROVED
                and not publishing
            ),
            "review": product_workflow.publication_review(version),
            "reviewable": version.status in (Status.APPROVED, Status.PUBLISHED, Status.SUPERSEDED),
            "may_review": named and version.status == Status.APPROVED,
            "may_record_sent": (
                can(role, Capability.RECORD_DUTY)
                and version.kind == ProductVersion.Kind.STRATEGY
                and version.status in (Status.PUBLISHED, Status.SUPERSEDED)
            ),
            "building": building,
            "publishing": publishing,
            "public_page": public_page if version.status == Status.PUBLISHED else None,
            "public_kind": public_page is not None,
        },
        status=status,
    )


@require_any(*READ)
@require_safe
def product(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(ProductVersion, pk=pk))


@require_any(*READ)
@require_safe
def product_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Whether a build or publication is still under way, polled by static/portal/progress.js
    (the version's page then reloads to show the outcome)."""
    version = _decorate(get_object_or_404(ProductVersion, pk=pk), product_workflow.area_names())
    building = version.build.get("state") in ("queued", "building")
    publishing = product_workflow.publishing_under_way(version.publishing)
    return JsonResponse(
        {
            "label": version.build_words.lower() if building else "publishing",
            "progress": None,
            "finished": not (building or publishing),
        }
    )


@require_any(*READ)
@require_safe
def product_view(request: HttpRequest, pk: int, path: str) -> HttpResponse:
    """A file of the built document, from the version's own directory only; a page view is
    audited (the documents quote exact counts)."""
    version = get_object_or_404(ProductVersion, pk=pk)
    if product_workflow.build_state(version).get("state") != "built":
        raise Http404("this version has no built document yet")
    file = product_workflow.safe_file(Path(version.path), path)
    if file is None:
        raise Http404("no such file in this product")
    if file.suffix == ".html":
        audit.record(
            request,
            AuditEvent.Action.RESTRICTED_VIEW,
            f"{product_workflow.target(version)}: {path}",
            product=version.pk,
            path=path,
        )
    response = FileResponse(file.open("rb"), content_type=content_type(file))
    response["Cache-Control"] = "private, no-store"  # exact counts: kept out of shared caches
    return response


@require(Capability.DRAFT_PRODUCTS)
@require_POST
def product_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Name the approvers and send the draft to them."""
    version = get_object_or_404(ProductVersion, pk=pk)
    chosen = request.POST.getlist("approvers")
    try:
        product_workflow.submit(version, request.user, chosen)
    except product_workflow.WorkflowError as exc:
        return _refused(request, version, exc)
    audit.record(
        request,
        AuditEvent.Action.SUBMIT,
        product_workflow.target(version),
        product=version.pk,
        approvers=sorted(u.get_username() for u in version.approvers.all()),
    )
    return redirect("portal:product", pk=version.pk)


@require(Capability.APPROVE_PRODUCTS)
@require_POST
def product_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A named approver approves or asks for changes, with a comment."""
    version = get_object_or_404(ProductVersion, pk=pk)
    try:
        made = product_workflow.decide(
            version, request.user, request.POST.get("decision", ""), request.POST.get("comment")
        )
    except product_workflow.WorkflowError as exc:
        return _refused(request, version, exc)
    audit.record(
        request,
        AuditEvent.Action.APPROVAL,
        product_workflow.target(version),
        product=version.pk,
        decision=made.decision,
        status=version.status,
    )
    return redirect("portal:product", pk=version.pk)


@require(Capability.PUBLISH_PRODUCTS)
@require_POST
def product_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish an approved version: the public site is rebuilt in the background."""
    version = get_object_or_404(ProductVersion, pk=pk)
    try:
        product_workflow.request_publish(version, request.user)
    except product_workflow.WorkflowError as exc:
        return _refused(request, version, exc)
    audit.record(
        request,
        AuditEvent.Action.PUBLISH,
        product_workflow.target(version),
        product=version.pk,
        outcome="requested",
    )
    publish_product.enqueue(version.pk, request.user.pk)
    return redirect("portal:product", pk=version.pk)


def _refused(request, version: ProductVersion, exc: product_workflow.WorkflowError) -> HttpResponse:
    """A step refused: not this person's to take (403, audited), a form to correct (400) or
    not possible in the version's status (409)."""
    if isinstance(exc, product_workflow.NotAllowed):
        audit.record(
            request,
            AuditEvent.Action.REFUSED,
            request.path,
            product=version.pk,
            reason=str(exc),
        )
        raise PermissionDenied(str(exc))
    version.refresh_from_db()
    field = exc.field or "step"
    return _detail(request, version, errors={field: str(exc)}, status=400 if exc.field else 409)


urlpatterns = [
    path("products/", product_list, name="products"),
    path("products/new/", product_new, name="product-new"),
    path("products/<int:pk>/", product, name="product"),
    path("products/<int:pk>/status.json", product_status, name="product-status"),
    path("products/<int:pk>/view/<path:path>", product_view, name="product-view"),
    path("products/<int:pk>/submit/", product_submit, name="product-submit"),
    path("products/<int:pk>/decide/", product_decide, name="product-decide"),
    path("products/<int:pk>/publish/", product_publish, name="product-publish"),
]
