"""Views: uploads. The loads history, uploading an extract, the background check's and load's
progress, the report, cancelling an upload nobody has confirmed, and the quarantined rows of a
load.

A person sees their own organisation's uploads; a partnership analyst sees every one. Another
organisation's upload is a 404 (its existence is not confirmed) and the attempt is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from svduty.portal import audit, uploads
from svduty.portal.access import membership, require
from svduty.portal.forms_uploads import UploadForm
from svduty.portal.models import AuditEvent, Upload
from svduty.portal.roles import Capability, can
from svduty.sources.feeds import FEEDS

TAGS = {
    Upload.Status.CHECKING: "tag-grey",
    Upload.Status.RECEIVED: "tag-grey",
    Upload.Status.QUEUED: "tag-grey",
    Upload.Status.LOADING: "tag-grey",
    Upload.Status.LOADED: "tag-ok",
    Upload.Status.INVALID: "tag-warning",
    Upload.Status.REFUSED: "tag-warning",
    Upload.Status.FAILED: "tag-harmful",
    Upload.Status.CANCELLED: "tag-grey",
}
IN_PROGRESS = (Upload.Status.CHECKING, Upload.Status.QUEUED, Upload.Status.LOADING)
CANCELLABLE = (Upload.Status.CHECKING, Upload.Status.RECEIVED)


def _decorate(upload: Upload) -> Upload:
    upload.tag = TAGS.get(upload.status, "tag-grey")
    feed = FEEDS.get(upload.feed)
    upload.feed_title = feed.title if feed else upload.feed
    return upload


def _visible(request, pk: int) -> Upload:
    """The upload if the person may see it; otherwise 404, audited as a refusal."""
    upload = uploads.visible_uploads(membership(request.user)).filter(pk=pk).first()
    if upload is None:
        audit.record(
            request,
            AuditEvent.Action.REFUSED,
            request.path,
            reason="no such upload, or another organisation's",
        )
        raise Http404("no such upload")
    return _decorate(upload)


def _own(request, pk: int, doing: str) -> Upload:
    """The upload if the person's organisation may confirm or cancel it (it is theirs);
    otherwise 404 (not visible) or 403, audited as a refusal."""
    upload = _visible(request, pk)
    if not _may_confirm(membership(request.user), upload):
        audit.record(
            request, AuditEvent.Action.REFUSED, request.path, reason="another organisation's"
        )
        raise PermissionDenied(f"only the organisation's own people may {doing} its upload")
    return upload


def _ready(upload: Upload) -> bool:
    """Checked, with rows that would load, and not yet queued."""
    return upload.status == Upload.Status.RECEIVED and bool(upload.report.get("rows_loadable"))


def _may_confirm(m, upload: Upload) -> bool:
    """Loading shares the organisation's data: only its own people decide (an analyst sees
    every upload but confirms only their own organisation's)."""
    return can(m.role, Capability.UPLOAD) and m.organisation_id == upload.organisation_id


@require(Capability.VIEW_UPLOADS)
def history(request):
    """The loads history: uploads, then the loads the warehouse holds for them."""
    m = membership(request.user)
    everyone = uploads.sees_every_organisation(m)
    listed = [_decorate(u) for u in uploads.visible_uploads(m)[:200]]
    warehouse_problem = ""
    loads, coverage = [], []
    try:
        if everyone:
            loads = uploads.warehouse_loads()
            coverage = uploads.warehouse_coverage()
        else:
            ids = uploads.visible_uploads(m).exclude(load_id="").values_list("load_id", flat=True)
            loads = uploads.warehouse_loads([int(i) for i in ids])
    except uploads.WarehouseUnavailable as problem:
        warehouse_problem = str(problem)
    upload_of_load = {
        int(load_id): pk
        for load_id, pk in uploads.visible_uploads(m)
        .exclude(load_id="")
        .values_list("load_id", "pk")
    }
    for row in loads:
        row["upload"] = upload_of_load.get(row["load_id"])
        row["feed_title"] = FEEDS[row["source"]].title if row["source"] in FEEDS else row["source"]
    return render(
        request,
        "portal/uploads/history.html",
        {
            "title": "Uploads and loads",
            "uploads": listed,
            "everyone": everyone,
            "loads": loads,
            "coverage": coverage,
            "warehouse_problem": warehouse_problem,
        },
    )


@require(Capability.UPLOAD)
def new(request):
    """Choose a feed and a file; the file is stored and its check queued for the background
    worker (a large file is not read inside the web request)."""
    organisation = membership(request.user).organisation
    form = UploadForm(
        request.POST or None, request.FILES or None, organisation=organisation
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        upload = uploads.store(
            form.cleaned_data["file"],
            feed_id=form.cleaned_data["feed"],
            organisation=organisation,
            user=request.user,
        )
        audit.record(
            request,
            AuditEvent.Action.UPLOAD,
            f"upload {upload.pk} ({upload.feed})",
            upload=upload.pk,
            feed=upload.feed,
            file=upload.original_name,
            size=upload.size,
            sha256=upload.sha256,
            step="stored",
        )
        return redirect("portal:upload", pk=upload.pk)
    if request.method == "POST" and "feed" in form.errors:
        # A blocked or unknown feed posted anyway (the form never offers one): recorded.
        audit.record(
            request,
            AuditEvent.Action.REFUSED,
            request.path,
            capability=str(Capability.UPLOAD),
            feed=request.POST.get("feed", "")[:40],
            reason="feed not allowed",
        )
    return render(
        request,
        "portal/uploads/new.html",
        {
            "title": "Upload an extract",
            "form": form,
            "organisation": organisation,
            "max_bytes": uploads.max_bytes(),
        },
    )


@require(Capability.VIEW_UPLOADS)
def detail(request, pk: int):
    """The validation report and status; while loading, progress that refreshes itself."""
    upload = _visible(request, pk)
    m = membership(request.user)
    may_load = _ready(upload) and _may_confirm(m, upload)
    return render(
        request,
        "portal/uploads/detail.html",
        {
            "title": f"Upload {upload.pk}: {upload.feed_title}",
            # where a long hash may wrap on a narrow screen
            "sha256_parts": [upload.sha256[i : i + 16] for i in range(0, len(upload.sha256), 16)],
            "upload": upload,
            "report": upload.report,
            "in_progress": upload.status in IN_PROGRESS,
            "may_load": may_load,
            "may_cancel": upload.status in CANCELLABLE and _may_confirm(m, upload),
            "expiry_hours": settings.UPLOAD_EXPIRY_HOURS,
            "may_see_quarantine": can(m.role, Capability.VIEW_RECORDS),
        },
    )


@require(Capability.VIEW_UPLOADS)
def status(request, pk: int):
    """The load's progress as JSON, polled by static/portal/progress.js on the upload page."""
    upload = _visible(request, pk)
    return JsonResponse(
        {
            "status": upload.status,
            "label": upload.get_status_display().lower(),
            "progress": upload.progress,
            "finished": upload.status not in IN_PROGRESS,
        }
    )


@require(Capability.UPLOAD)
@require_POST
def load(request, pk: int):
    """Confirm: queue the background load of a checked upload."""
    upload = _own(request, pk, "load")
    if not _ready(upload):
        messages.info(
            request, f"Upload {upload.pk} is {upload.get_status_display().lower()}: not queued."
        )
        return redirect("portal:upload", pk=upload.pk)
    permit = uploads.may_share(upload.organisation, upload.feed)
    if not permit.ok:  # the agreement lapsed between the check and the confirmation
        messages.error(request, f"Not loaded. {permit.reason} {permit.fix}")
        return redirect("portal:upload", pk=upload.pk)
    if uploads.enqueue(upload, by=request.user):
        audit.record(
            request,
            AuditEvent.Action.UPLOAD,
            f"upload {upload.pk} ({upload.feed})",
            upload=upload.pk,
            feed=upload.feed,
            step="load requested",
        )
    return redirect("portal:upload", pk=upload.pk)


@require(Capability.UPLOAD)
@require_POST
def cancel(request, pk: int):
    """Cancel an upload nobody has confirmed: its file is deleted; audited (uploads.cancel)."""
    upload = _own(request, pk, "cancel")
    if uploads.cancel(upload, by=request.user):
        messages.success(request, f"Upload {upload.pk} is cancelled and its file deleted.")
    else:
        messages.info(
            request,
            f"Upload {upload.pk} is {upload.get_status_display().lower()}: it can no longer be "
            "cancelled.",
        )
    return redirect("portal:upload", pk=upload.pk)


@require(Capability.VIEW_RECORDS)
def quarantine(request, pk: int):
    """The quarantined rows of the upload's load: line, field, reason and what fixes it."""
    upload = _visible(request, pk)
    problem = ""
    rows: list[dict] = []
    try:
        rows = uploads.quarantine(upload)
    except uploads.WarehouseUnavailable as exc:
        problem = str(exc)
    audit.record(
        request,
        AuditEvent.Action.RESTRICTED_VIEW,
        f"quarantine of upload {upload.pk}",
        upload=upload.pk,
        feed=upload.feed,
        load_id=upload.load_id,
        rows_shown=len(rows),
    )
    return render(
        request,
        "portal/uploads/quarantine.html",
        {
            "title": f"Quarantined rows of upload {upload.pk}",
            "upload": upload,
            "rows": rows,
            "problem": problem,
        },
    )


urlpatterns = [
    path("uploads/", history, name="uploads"),
    path("uploads/new/", new, name="upload-new"),
    path("uploads/<int:pk>/", detail, name="upload"),
    path("uploads/<int:pk>/status.json", status, name="upload-status"),
    path("uploads/<int:pk>/load/", load, name="upload-load"),
    path("uploads/<int:pk>/cancel/", cancel, name="upload-cancel"),
    path("uploads/<int:pk>/quarantine/", quarantine, name="upload-quarantine"),
]
