"""Every upload reaches an end, whatever stops on the way: what the background worker does when
it starts (:func:`recover`) and every minute while it runs (:func:`sweep`).

- The worker was killed (SIGKILL, out of memory, a power cut) or stopped by a stop timeout in
  the middle of a check or a load: at its next start the upload is resumed (its check or load
  queued again) the first time, and failed with a reason the second time, so a file that
  kills the worker cannot do so for ever. Resuming is safe: a check writes nothing, and a load
  is one warehouse transaction, so a load stopped part way left nothing behind, and one stopped
  after its commit finds the same content already loaded and changes nothing.
- A web process died while writing a file it had received: the upload has no hash. After
  STORE_GRACE it is failed and the partial file deleted.
- A checked upload nobody confirmed within settings.UPLOAD_EXPIRY_HOURS is cancelled.

Each of these ends through uploads.finish (the file as received deleted, an audit event); a
resumption is audited too. The portal runs one worker (docs/deploy.md): what is in progress
when it starts was left by a worker that is gone.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from svduty.portal import uploads
from svduty.portal.models import Upload

__all__ = ["MAX_INTERRUPTIONS", "STORE_GRACE", "recover", "start_sweeping", "sweep"]

log = logging.getLogger(__name__)

MAX_INTERRUPTIONS = 2  # the second interrupted check or load of an upload fails it
# Longer than any upload takes to write to disk once received (200 MiB in a few seconds).
STORE_GRACE = timedelta(minutes=15)
SWEEP_SECONDS = 60.0
IN_THE_WORKER = (Upload.Status.CHECKING, Upload.Status.QUEUED, Upload.Status.LOADING)


def recover() -> list[int]:
    """Resume or fail the uploads a stopped worker was checking or loading (call it when the
    worker starts, before it takes a task); the ids of those it found."""
    waiting = {
        str(i) for i in DBTaskResult.objects.filter(status="READY").values_list("id", flat=True)
    }
    found = []
    for upload in Upload.objects.filter(status__in=IN_THE_WORKER).exclude(sha256=""):
        if upload.status != Upload.Status.LOADING and upload.task_id in waiting:
            continue  # queued and not started: the worker will run it
        found.append(upload.pk)
        _interrupted(upload)
    return found


def _interrupted(upload: Upload) -> None:
    checking = upload.status == Upload.Status.CHECKING
    step = "check" if checking else "load"
    times = upload.interrupted + 1
    if times >= MAX_INTERRUPTIONS:
        uploads.finish(
            upload,
            Upload.Status.FAILED,
            f"The background worker stopped part way through the {step} of this file "
            f"{times} times (killed, or out of memory), so it was given up; nothing was "
            "loaded. A partnership analyst can see why in the worker's log; a file too large "
            "for the server is the usual cause: split it (e.g. by month) and upload each part.",
            step=f"{step} given up",
            only_from=upload.status,
            interrupted=times,
        )
        return
    from svduty.portal.tasks import check_upload, ingest_upload

    with transaction.atomic():
        status = Upload.Status.CHECKING if checking else Upload.Status.QUEUED
        moved = Upload.objects.filter(pk=upload.pk, status=upload.status).update(
            status=status, progress=0, interrupted=times
        )
        if not moved:
            return
        task = (check_upload if checking else ingest_upload).enqueue(upload.pk)
        Upload.objects.filter(pk=upload.pk).update(task_id=str(task.id)[:80])
    upload.refresh_from_db()
    uploads._audit_step(upload, f"{step} resumed")
    log.warning("upload %s: the %s was interrupted; queued again", upload.pk, step)


def sweep(now: datetime | None = None) -> None:
    """Fail uploads whose file never arrived whole, and cancel those nobody confirmed in time."""
    now = now or timezone.now()
    abandoned = Upload.objects.filter(
        status=Upload.Status.CHECKING, sha256="", created_at__lt=now - STORE_GRACE
    )
    for upload in abandoned:
        uploads.finish(
            upload,
            Upload.Status.FAILED,
            "The file did not arrive whole: the upload was interrupted while it was being "
            "stored (the web server stopped). Nothing was loaded; upload the file again.",
            step="store interrupted",
            only_from=Upload.Status.CHECKING,
        )
    hours = settings.UPLOAD_EXPIRY_HOURS
    expired = Upload.objects.filter(
        status=Upload.Status.RECEIVED, created_at__lt=now - timedelta(hours=hours)
    )
    for upload in expired:
        uploads.finish(
            upload,
            Upload.Status.CANCELLED,
            f"Nobody confirmed the load within {hours} hours of the upload, so it was "
            "cancelled and the file deleted; nothing was loaded. Upload the file again to "
            "load it.",
            step="expired",
            only_from=Upload.Status.RECEIVED,
        )


def start_sweeping(interval: float = SWEEP_SECONDS) -> threading.Thread:
    """Run :func:`sweep` every ``interval`` seconds in a thread of the worker's own, beside the
    task loop (a daemon: it ends with the worker)."""

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(interval):
            close_old_connections()
            try:
                sweep()
            except Exception:  # one failed sweep must not end the sweeping
                log.exception("the upload sweep failed")
            finally:
                connection.close()

    thread = threading.Thread(target=loop, name="upload-sweep", daemon=True)
    thread.start()
    return thread
