"""Uploads: a partner's extract stored as received, checked against its feed, then loaded in
the background through the same code as `svduty ingest <feed>`.

The steps, each a function here so the views and the task stay thin:

1. :func:`may_share`: an agreement in force lets the organisation share the feed (and a health
   feed under an aggregate-only agreement is one that is aggregate by design);
2. :func:`store`: the file goes under ``settings.UPLOAD_ROOT/<upload id>/`` (never anywhere
   served), with its size and SHA-256, and its check is queued;
3. :func:`check`: the background task (tasks.check_upload) reads and validates it as the load
   will (the feed framework, a part at a time: sources.feedstream), without touching the
   warehouse; a file refused whole is ``refused``, a file whose every row fails is
   ``invalid``, otherwise the report says what would load and what would be quarantined and
   the person may confirm, or :func:`cancel`;
4. :func:`enqueue` and :func:`load`: the background task (tasks.ingest_upload) loads that one
   file with svduty.warehouse.feed_ingest.ingest_feed and records the outcome and the load id.

Every upload ends loaded, invalid, refused, failed or cancelled (:func:`finish`: the file as
received deleted, an audit event), including after a crash: upload_recovery resumes or fails
what a stopped worker left and expires uploads nobody confirmed.

Settings read from Django's settings, so tests can point them elsewhere: ``CONFIG`` (svduty's
Config: the warehouse URL and the key file), ``UPLOAD_ROOT`` and, optionally,
``SVDUTY_UPLOAD_MAX_BYTES`` and ``SVDUTY_UPLOAD_MAX_DECOMPRESSED_BYTES``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import time
from contextlib import closing
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from svduty.portal import audit
from svduty.portal.agreements import Permit, permits
from svduty.portal.models import AuditEvent, Organisation, Upload
from svduty.portal.reading import WarehouseUnavailable, reading
from svduty.portal.roles import Role
from svduty.portal.upload_report import Report
from svduty.privacy.pseudonymise import KeyProblem, load_key_file
from svduty.settings import Config
from svduty.sources import feed as feed_framework
from svduty.sources.errors import FileRefused
from svduty.sources.feeds import FEEDS
from svduty.sources.feedstream import PartReader
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.status import partner_loads, quarantined_rows

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ERRORS_KEPT",
    "WarehouseUnavailable",
    "cancel",
    "check",
    "enqueue",
    "feed_permits",
    "finish",
    "is_aggregate",
    "load",
    "loaded_by",
    "max_bytes",
    "may_share",
    "quarantine",
    "sees_every_organisation",
    "store",
    "visible_uploads",
    "warehouse_coverage",
    "warehouse_loads",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # a year of a force's crime records fits with room
# Refuse a file whose content swells past this once decompressed (a damaged or malicious gzip):
# the check stops reading there, and the load reads the file whole.
MAX_DECOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
ERRORS_KEPT = 1000  # row errors kept in the report; the counts by reason cover all of them
SUFFIXES = (".csv", ".csv.gz")
# Kinds of column whose values are never repeated back in a report: free text (it may name
# someone; feed.NEVER_SHOWN_KINDS) and identifiers (tokens by now, of no use to the sender).
# Any other value is shown as the quarantine's row_json holds it, which withholds a value its
# column's kind does not make safe to show (feed.shown_sql).
WITHHELD_KINDS = feed_framework.NEVER_SHOWN_KINDS | feed_framework.TOKEN_KINDS
FAULT_PAUSE_SECONDS = 60  # long enough for a crash test to kill the process in the pause


def config() -> Config:
    """svduty's settings as the portal sees them (Django's ``settings.CONFIG``)."""
    return settings.CONFIG


def max_bytes() -> int:
    """The largest file accepted, in bytes (``SVDUTY_UPLOAD_MAX_BYTES`` in Django's settings)."""
    return int(getattr(settings, "SVDUTY_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


# ---- who may upload what --------------------------------------------------------------------


def is_aggregate(feed: feed_framework.Feed) -> bool:
    """True for a feed whose rows are counts by area and period, with no identifier: aggregate
    by design (the partner_aggregate feeds), unlike a record-level feed such as ISTV returns."""
    kinds = {c.kind for c in feed.columns}
    return "count" in kinds and "identifier" not in kinds


def may_share(organisation: Organisation, feed_id: str, on: date | None = None) -> Permit:
    """Whether ``organisation`` may upload ``feed_id`` today: :func:`agreements.permits`, and
    for a health feed under an aggregate-only agreement, only a feed aggregate by design."""
    feed = FEEDS.get(feed_id)
    if feed is None:
        return Permit(
            False,
            f"'{feed_id}' is not a feed svduty takes.",
            "Choose one of the feeds listed; docs/feeds/ describes each.",
        )
    permit = permits(organisation, feed_id, on)
    if not permit.ok:
        return permit
    if feed.health and permit.agreement.aggregate_only and not is_aggregate(feed):
        return Permit(
            False,
            f"The {feed.title} feed is record level, and the agreement "
            f"'{permit.agreement.title}' allows health data in aggregate form only (svduty's "
            "own safeguard: s16(4) of the Police, Crime, Sentencing and Courts Act 2022 means "
            "s16 itself does not authorise sharing health or social care personal "
            "information).",
            f"{permit.agreement.owner} answers for the agreement: send the data as an aggregate "
            "feed (e.g. hospital admissions), or have the agreement reviewed and recorded as "
            "covering anonymised records.",
            permit.agreement,
        )
    return permit


def feed_permits(organisation: Organisation) -> dict[str, Permit]:
    """Every feed and whether ``organisation`` may upload it today, in FEEDS order."""
    return {feed_id: may_share(organisation, feed_id) for feed_id in FEEDS}


def sees_every_organisation(membership) -> bool:
    """Partnership analysts see every organisation's uploads; everyone else their own."""
    return membership is not None and membership.role == Role.ANALYST


def visible_uploads(membership):
    """The uploads a person may see: their organisation's, or every one for an analyst."""
    uploads = Upload.objects.select_related("organisation", "uploaded_by")
    if sees_every_organisation(membership):
        return uploads
    if membership is None:
        return uploads.none()
    return uploads.filter(organisation=membership.organisation)


def loaded_by(upload: Upload) -> str:
    """What the warehouse's `loads` table records as the loader: the person and organisation."""
    return f"{upload.uploaded_by.get_username()} ({upload.organisation}) via the portal"


# ---- storing and checking -------------------------------------------------------------------


def stored_name(original: str) -> str:
    """A safe file name for the stored copy, keeping the .csv or .csv.gz ending (the warehouse
    records it as the load's file name)."""
    lowered = original.lower()
    suffix = next((s for s in sorted(SUFFIXES, key=len, reverse=True) if lowered.endswith(s)), "")
    stem = get_valid_filename(Path(original[: len(original) - len(suffix)]).name) or "upload"
    return stem[:100] + (suffix or ".csv")


def store(uploaded_file, *, feed_id: str, organisation: Organisation, user) -> Upload:
    """Keep the file as received under ``UPLOAD_ROOT/<upload id>/``, with size and SHA-256, and
    queue its check (:func:`check`, in the background worker).

    The upload is recorded first, as "checking" with no hash yet, so a web process that dies
    while writing the file leaves an upload the worker's sweep finds and fails (and whose
    partial file it deletes; upload_recovery.sweep) rather than a file nobody knows about. The
    hash and the queued check are saved together: a stored upload always has its check queued.
    The folder and file are readable by the portal's own user only.
    """
    from svduty.portal.tasks import check_upload  # the task module imports this one

    upload = Upload.objects.create(
        organisation=organisation,
        uploaded_by=user,
        feed=feed_id,
        original_name=uploaded_file.name[:255],
        stored_path="",
        size=0,
        sha256="",
        status=Upload.Status.CHECKING,
    )
    folder = Path(settings.UPLOAD_ROOT) / str(upload.pk)
    folder.mkdir(parents=True, mode=0o700)
    path = folder / stored_name(uploaded_file.name)
    Upload.objects.filter(pk=upload.pk).update(stored_path=str(path))
    digest, size = hashlib.sha256(), 0
    with open(path, "xb") as out:
        path.chmod(0o600)
        for chunk in uploaded_file.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
            fault_pause("store")
    upload.stored_path, upload.size, upload.sha256 = str(path), size, digest.hexdigest()
    with transaction.atomic():
        upload.save(update_fields=["stored_path", "size", "sha256"])
        result = check_upload.enqueue(upload.pk)
        upload.task_id = str(result.id)[:80]
        upload.save(update_fields=["task_id"])
    return upload


def fault_pause(step: str) -> None:
    """Fault injection for the crash tests (SVDUTY_FAULT_PAUSE_IN_UPLOAD): write the step's
    name to the file and sleep, so a test can kill the process part way through the step."""
    flag = config().fault_pause_in_upload
    if flag is not None:
        flag.write_text(step)
        time.sleep(FAULT_PAUSE_SECONDS)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def max_decompressed_bytes() -> int:
    """The largest content accepted once decompressed (a gzip bomb is refused at this size)."""
    return int(getattr(settings, "SVDUTY_UPLOAD_MAX_DECOMPRESSED_BYTES", MAX_DECOMPRESSED_BYTES))


def check(upload_id: int) -> dict:
    """The background check of one stored upload (tasks.check_upload runs this).

    The file is read and validated against its feed as the load will read it, in parts
    (sources.feedstream), so the worker's memory stays bounded whatever the file's size;
    nothing is written to the warehouse. A file refused whole is ``refused``, a file whose
    every row fails is ``invalid``, otherwise the report says what would load and what would
    be quarantined and the upload waits for a person to confirm it. Progress is the share of
    the stored file read so far.
    """
    upload = (
        Upload.objects.select_related("organisation", "uploaded_by")
        .filter(pk=upload_id, status=Upload.Status.CHECKING)
        .exclude(sha256="")
        .first()
    )
    if upload is None:  # cancelled meanwhile, or checked already: nothing to do
        return {"upload": upload_id, "skipped": True}
    Upload.objects.filter(pk=upload_id).update(progress=1)
    fault_pause("check")
    try:
        outcome = _check(upload)
    except Exception as exc:  # a fault of ours: the upload must not look ready to load
        log.exception("checking upload %s failed", upload.pk)
        outcome = (
            Upload.Status.FAILED,
            f"The file could not be checked ({type(exc).__name__}); nothing was loaded. A "
            "partnership analyst can see the details in the background worker's log.",
            {},
        )
    status, message, report = outcome
    fields = {"report": report, "rows_read": report.get("rows_read"), "progress": 100}
    if status == Upload.Status.RECEIVED:
        # still waiting for a person: unless it was cancelled while being checked
        with transaction.atomic():
            moved = Upload.objects.filter(pk=upload.pk, status=Upload.Status.CHECKING).update(
                status=status, message=message, **fields
            )
            upload.refresh_from_db()
            if moved:
                _audit_step(upload, "checked")
    else:
        finish(upload, status, message, step="checked", only_from=Upload.Status.CHECKING, **fields)
    return {"upload": upload.pk, "status": upload.status}


def _check(upload: Upload) -> tuple[str, str, dict]:
    """(status, message, report) of reading the stored file against its feed."""
    feed = FEEDS[upload.feed]
    path = Path(upload.stored_path)
    try:
        pseudonymiser = load_key_file(config().key_file)
    except KeyProblem as problem:
        return (
            Upload.Status.FAILED,
            f"The file could not be checked: {problem}. A partnership analyst must put the "
            "key in place; then upload the file again.",
            {},
        )
    reader = PartReader(path, feed, pseudonymiser.token, max_bytes=max_decompressed_bytes())
    report = Report(feed, ERRORS_KEPT)
    last = 0
    try:
        for part in reader:
            checked = feed_framework.validate(feed, part)
            report.add(report_of(feed, part, checked), checked.loaded)
            percent = min(99, max(1, 100 * reader.position // max(upload.size, 1)))
            if percent >= last + 5:  # a write every 5%, not every part
                Upload.objects.filter(pk=upload.pk).update(progress=percent)
                last = percent
    except FileRefused as refused:
        return Upload.Status.REFUSED, _sentence(refused.reason), {"refused_code": refused.code}
    result = report.result(reader.sha256, feed.title)
    if not result["rows_loadable"]:
        return (
            Upload.Status.INVALID,
            "Every row has an error, so nothing would load: correct the rows listed and upload "
            "the file again.",
            result,
        )
    return Upload.Status.RECEIVED, "", result


def finish(
    upload: Upload, status: str, message: str, *, step: str, only_from=None, by=None, **fields
) -> bool:
    """Move an upload to a final state (loaded, invalid, refused, failed or cancelled): the
    message, ``fields``, when it finished; its file as received deleted; an audit event. With
    ``only_from``, only an upload still in that status moves (False when it had moved on)."""
    final = {"status": status, "message": message, "finished_at": timezone.now(), **fields}
    moved = Upload.objects.filter(pk=upload.pk)
    if only_from is not None:
        moved = moved.filter(status=only_from)
    with transaction.atomic():  # the end and its audit event are seen together or not at all
        if not moved.update(**final):
            upload.refresh_from_db()
            return False
        upload.refresh_from_db()
        _audit_step(upload, step, by=by)
    discard_file(upload)
    return True


def _audit_step(upload: Upload, step: str, *, by=None) -> None:
    """The audit event of a step of an upload taken outside a request (the worker's check, its
    recovery, an expiry): the uploader's unless ``by`` (a person who cancelled it)."""
    audit.record(
        None,
        AuditEvent.Action.UPLOAD,
        f"upload {upload.pk} ({upload.feed})",
        user=by or upload.uploaded_by,
        upload=upload.pk,
        feed=upload.feed,
        file=upload.original_name,
        step=step,
        status=upload.status,
        message=upload.message,
        size=upload.size,
        sha256=upload.sha256,
        rows_read=upload.report.get("rows_read"),
        rows_quarantined=upload.report.get("rows_quarantined"),
    )


def cancel(upload: Upload, *, by) -> bool:
    """Cancel an upload nobody has confirmed (checking or checked): its file is deleted and the
    cancellation audited as ``by``'s. False if it had already been confirmed or had ended."""
    for waiting in (Upload.Status.RECEIVED, Upload.Status.CHECKING):
        message = f"Cancelled by {by.get_username()} before it was loaded; nothing was loaded."
        if finish(upload, Upload.Status.CANCELLED, message, step="cancelled", only_from=waiting,
                  by=by):  # fmt: skip
            return True
    return False


def discard_file(upload: Upload) -> None:
    """Delete the file as received once it will not be loaded or has been loaded.

    The file holds raw references (crime, victim and suspect numbers) that the warehouse only
    ever stores as keyed tokens; keeping it would keep the identifiers. The upload keeps its
    hash, size and report, so what was received stays on record."""
    if not upload.stored_path:
        return
    path = Path(upload.stored_path)
    if path.is_file():
        path.unlink()
    if (
        path.parent.is_dir()
        and path.parent != Path(settings.UPLOAD_ROOT)
        and not any(path.parent.iterdir())
    ):
        path.parent.rmdir()


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def report_of(
    feed: feed_framework.Feed, read: feed_framework.FeedFile, checked: feed_framework.Validated
) -> dict:
    """The validation report a person acts on: counts, errors by reason, and the row errors
    (line, field, what is wrong and what a good value looks like). A value is repeated only
    for columns that can hold nothing identifying (see WITHHELD_KINDS)."""
    columns = {c.header: c for c in feed.all_columns}
    q = checked.quarantined
    lines = q.column("line").to_pylist()
    fields = q.column("field").to_pylist()
    codes = q.column("reason_code").to_pylist()
    reasons = q.column("reason").to_pylist()
    rows = q.column("row_json").to_pylist()
    errors = []
    kept = itertools.islice(zip(lines, fields, codes, reasons, rows, strict=True), ERRORS_KEPT)
    for line, field, code, reason, row in kept:
        column = columns.get(field)
        value = json.loads(row).get(field) if column is not None and row else None
        shown = (
            column is not None
            and column.kind not in WITHHELD_KINDS
            and value != feed_framework.WITHHELD
        )
        value = value if shown else None
        errors.append(
            {
                "line": int(line),
                "field": field,
                "reason_code": code,
                "value": value,
                "withheld": not shown,
                "reason": reason,
                "good": feed_framework.KINDS[column.kind][1] if column is not None else "",
            }
        )
    by_reason: dict[tuple[str, str], int] = {}
    for field, code in zip(fields, codes, strict=True):
        by_reason[(field, code)] = by_reason.get((field, code), 0) + 1
    return {
        "feed_title": feed.title,
        "rows_read": read.rows_read,
        "rows_loadable": checked.loaded.num_rows,
        "rows_quarantined": q.num_rows,
        "errors_total": q.num_rows,
        "errors": errors,
        "by_reason": [
            {"field": f, "reason_code": c, "rows": n}
            for (f, c), n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "period_start": checked.period_start.isoformat() if checked.period_start else None,
        "period_end": checked.period_end.isoformat() if checked.period_end else None,
        "covers": checked.covers,
        "synthetic": checked.synthetic,
        "content_sha256": read.sha256,
    }


# ---- loading in the background --------------------------------------------------------------


def enqueue(upload: Upload, *, by) -> bool:
    """Queue the background load of a checked upload; False if it is not waiting to load.

    The status moves from received to queued in one UPDATE, so a second press of the button
    (or a second tab) cannot queue the same file twice.
    """
    # Imported here: the task module registers with the task backend when imported, and it
    # imports this module for the work itself.
    from svduty.portal.tasks import ingest_upload

    queued = Upload.objects.filter(pk=upload.pk, status=Upload.Status.RECEIVED).update(
        status=Upload.Status.QUEUED, progress=0, message=""
    )
    if not queued:
        return False
    report = dict(upload.report, confirmed_by=by.get_username())
    Upload.objects.filter(pk=upload.pk).update(report=report)
    try:
        result = ingest_upload.enqueue(upload.pk)
    except Exception:
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.RECEIVED)
        raise
    # Only the task id: the worker may already have moved the status on.
    Upload.objects.filter(pk=upload.pk).update(task_id=str(result.id)[:80])
    upload.refresh_from_db()
    return True


def _progress(upload_id: int, percent: int) -> None:
    Upload.objects.filter(pk=upload_id).update(progress=percent)


def load(upload_id: int) -> dict:
    """The background load of one queued upload (tasks.ingest_upload runs this).

    Progress: 10% started, 50% the stored file is the one checked, 90% committed, 100% done.
    The outcome (loaded, refused or failed), the counts and the load id are kept on the upload,
    and the load is audited as the uploader's.
    """
    started = Upload.objects.filter(pk=upload_id, status=Upload.Status.QUEUED).update(
        status=Upload.Status.LOADING, progress=10
    )
    if not started:  # run twice, or no longer waiting: nothing to do
        return {"upload": upload_id, "skipped": True}
    upload = Upload.objects.select_related("organisation", "uploaded_by").get(pk=upload_id)
    try:
        outcome = _ingest(upload)
    except Exception as exc:  # the upload must never stay "loading" for ever
        log.exception("loading upload %s failed", upload_id)
        outcome = {
            "status": Upload.Status.FAILED,
            "message": f"The load failed ({type(exc).__name__}); nothing was loaded. A "
            "partnership analyst can see the details in the worker's log.",
        }
    for name in ("status", "message", "rows_read", "rows_loaded", "rows_quarantined", "load_id"):
        if name in outcome:
            setattr(upload, name, outcome[name])
    upload.progress = 100 if upload.status == Upload.Status.LOADED else upload.progress
    upload.finished_at = timezone.now()
    with transaction.atomic():  # the outcome and its audit event are seen together
        upload.save()
        audit.record(
            None,
            AuditEvent.Action.INGEST,
            f"upload {upload.pk} ({upload.feed})",
            user=upload.uploaded_by,
            upload=upload.pk,
            feed=upload.feed,
            file=upload.original_name,
            status=upload.status,
            load_id=upload.load_id,
            rows_read=upload.rows_read,
            rows_loaded=upload.rows_loaded,
            rows_quarantined=upload.rows_quarantined,
            confirmed_by=upload.report.get("confirmed_by", ""),
        )
    discard_file(upload)
    return {"upload": upload.pk, "status": upload.status, "load_id": upload.load_id}


def _ingest(upload: Upload) -> dict:
    path = Path(upload.stored_path)
    if not path.exists() or file_sha256(path) != upload.sha256:
        return {
            "status": Upload.Status.FAILED,
            "message": "The stored file is missing or has changed since it was checked, so it "
            "was not loaded. Upload the file again.",
        }
    _progress(upload.pk, 50)
    cfg = config()
    try:
        pseudonymiser = load_key_file(cfg.key_file)
    except KeyProblem as problem:
        return {"status": Upload.Status.FAILED, "message": f"Not loaded: {problem}."}
    # The worker is the portal's only writer; it waits (WRITE_WAIT_SECONDS) only for a load or
    # `svduty init` run from the command line, never for the pages, which read a snapshot.
    with closing(connect(cfg.warehouse_url)) as warehouse:
        results = ingest_feed(
            warehouse,
            upload.feed,
            [path],
            pseudonymiser=pseudonymiser,
            loaded_by=loaded_by(upload),
            progress=lambda result: _progress(upload.pk, 90),
            pause_before_commit=cfg.fault_pause_before_commit,
        )
    (result,) = results
    outcome = {"load_id": str(result.load_id or ""), "rows_read": result.rows_read}
    if result.status in ("loaded", "replaced"):
        message = f"Loaded as load {result.load_id}."
        if result.replaced_load_id is not None:
            message += (
                f" It covers exactly what load {result.replaced_load_id} covered, and replaces it."
            )
        return outcome | {
            "status": Upload.Status.LOADED,
            "message": message,
            "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined,
        }
    if result.status == "unchanged":
        # The same content is already loaded: the warehouse holds its rows from that load.
        return outcome | {
            "status": Upload.Status.LOADED,
            "message": _sentence(result.message or "already loaded; nothing changed"),
            "rows_loaded": upload.report.get("rows_loadable"),
            "rows_quarantined": upload.report.get("rows_quarantined"),
        }
    return outcome | {
        "status": Upload.Status.REFUSED,
        "message": _sentence(result.message or "the warehouse refused the file"),
        "rows_loaded": 0,
        "rows_quarantined": 0,
    }


# ---- reading the warehouse ------------------------------------------------------------------


LOADS_COLUMNS = (
    "load_id",
    "source",
    "file_name",
    "loaded_by",
    "loaded_at",
    "status",
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "period_start",
    "period_end",
    "superseded_by_load_id",
    "message",
)


def warehouse_loads(load_ids: list[int] | None = None, *, limit: int = 200) -> list[dict]:
    """The warehouse's `loads` rows of partner feeds, newest first: all of them, or only
    ``load_ids``. Raises WarehouseUnavailable when it cannot be read just now."""
    if load_ids is not None and not load_ids:
        return []
    with reading(missing_ok=True) as warehouse:
        if warehouse is None:
            return []
        loads = warehouse.table("loads")
        loads = loads.filter(loads.source.isin(list(FEEDS)))
        if load_ids is not None:
            loads = loads.filter(loads.load_id.isin(load_ids))
        loads = loads.order_by(loads.load_id.desc()).limit(limit).select(*LOADS_COLUMNS)
        return loads.to_pyarrow().to_pylist()


def warehouse_coverage() -> list[dict]:
    """What the warehouse holds of each partner feed (status.partner_loads)."""
    with reading(missing_ok=True) as warehouse:
        return [] if warehouse is None else partner_loads(warehouse)


def quarantine(upload: Upload, *, limit: int = 1000) -> list[dict]:
    """The quarantined rows of the upload's load (status.quarantined_rows), each with what a
    good value of its field looks like. Identifiers in them are tokens already; no row's
    values are returned, only line, field and reason."""
    if not upload.load_id:
        return []
    feed = FEEDS.get(upload.feed)
    good = {c.header: feed_framework.KINDS[c.kind][1] for c in feed.all_columns} if feed else {}
    with reading(missing_ok=True) as warehouse:
        if warehouse is None:
            return []
        rows = quarantined_rows(warehouse, load_id=int(upload.load_id), limit=limit)
    return [r | {"good": good.get(r["field"], "")} for r in rows]
