# ruff: noqa: F811  (the fixtures imported from test_uploads are parameters here)
"""Every upload ends: a person can cancel one nobody has confirmed; one nobody confirms expires
after settings.UPLOAD_EXPIRY_HOURS; a check or load a stopped worker left part way is resumed
once and failed the second time; a file that never arrived whole is failed. Each end deletes
the file as received and is audited.

These set the states a crash leaves directly; test_upload_crashes.py makes them by killing
real processes.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.conftest import make_person
from portal.test_uploads import (  # noqa: F401  (fixtures)
    built,
    checked,
    corrupted_file,
    police_agreement,
    quick_passwords,
    run_worker,
    upload_file,
    warehouse_home,
    warehouse_loads,
)
from svduty.portal import upload_recovery
from svduty.portal.models import AuditEvent, Upload

# the demo's database too: make test runs this file on SQLite as well as PostgreSQL
pytestmark = pytest.mark.sqlite


def steps(upload: Upload) -> list[str]:
    events = AuditEvent.objects.filter(action="upload", detail__upload=upload.pk)
    return [e.detail["step"] for e in events.order_by("at", "pk")]


def test_a_person_cancels_an_upload_nobody_confirmed(client, people, organisations, checked):
    other = make_person("cora", "data_lead", organisations["council"])
    client.force_login(other)
    assert client.post(reverse("portal:upload-cancel", args=[checked.pk])).status_code == 404
    client.force_login(people["data_lead"])
    page = client.get(reverse("portal:upload", args=[checked.pk])).content.decode()
    assert "Cancel this upload" in page and "72 hours" in page
    response = client.post(reverse("portal:upload-cancel", args=[checked.pk]))
    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.status == Upload.Status.CANCELLED and checked.finished_at is not None
    assert "Cancelled by dale" in checked.message
    assert not Path(checked.stored_path).exists()
    assert steps(checked)[-1] == "cancelled"
    assert AuditEvent.objects.filter(detail__step="cancelled").get().username == "dale"
    # cancelled is the end: it cannot be confirmed now
    client.post(reverse("portal:upload-load", args=[checked.pk]))
    checked.refresh_from_db()
    assert checked.status == Upload.Status.CANCELLED
    page = client.get(reverse("portal:upload", args=[checked.pk])).content.decode()
    assert "Cancelled: nothing was loaded" in page and "Cancel this upload" not in page


def test_an_upload_cancelled_before_its_check_is_never_checked(
    client, people, built, warehouse_home, police_agreement
):
    client.force_login(people["data_lead"])
    upload_file(client, "police-crime", "extract.csv", corrupted_file(*built[1:]))
    upload = Upload.objects.get()
    client.post(reverse("portal:upload-cancel", args=[upload.pk]))
    run_worker()  # the queued check finds nothing to do
    upload.refresh_from_db()
    assert upload.status == Upload.Status.CANCELLED and upload.report == {}
    assert not Path(upload.stored_path).parent.exists()


def test_an_unconfirmed_upload_expires_after_the_set_hours(client, checked, settings):
    settings.UPLOAD_EXPIRY_HOURS = 5
    upload_recovery.sweep(checked.created_at + timedelta(hours=4, minutes=59))
    checked.refresh_from_db()
    assert checked.status == Upload.Status.RECEIVED  # not yet
    upload_recovery.sweep(checked.created_at + timedelta(hours=5, minutes=1))
    checked.refresh_from_db()
    assert checked.status == Upload.Status.CANCELLED and "within 5 hours" in checked.message
    assert not Path(checked.stored_path).exists()
    expired = AuditEvent.objects.get(detail__step="expired")
    assert expired.username == "dale" and expired.detail["status"] == "cancelled"


def test_a_load_interrupted_once_is_resumed_and_loads_once(client, checked, warehouse_home):
    client.post(reverse("portal:upload-load", args=[checked.pk]))
    Upload.objects.filter(pk=checked.pk).update(status=Upload.Status.LOADING, progress=50)
    assert upload_recovery.recover() == [checked.pk]  # as the worker does when it starts
    checked.refresh_from_db()
    assert checked.status == Upload.Status.QUEUED and checked.interrupted == 1
    run_worker()  # the first task finds it no longer queued as it was; the new one loads it
    checked.refresh_from_db()
    assert checked.status == Upload.Status.LOADED and not Path(checked.stored_path).exists()
    assert len(warehouse_loads(warehouse_home)) == 1
    assert "load resumed" in steps(checked)


def test_a_check_interrupted_twice_fails_with_a_reason_and_its_file_goes(
    client, people, built, warehouse_home, police_agreement
):
    client.force_login(people["data_lead"])
    upload_file(client, "police-crime", "extract.csv", corrupted_file(*built[1:]))
    upload = Upload.objects.get()
    for _ in range(2):  # the worker took the check, then died (its task left running)
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(status="READY").update(status="RUNNING")
        upload_recovery.recover()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.interrupted == 2
    assert "2 times" in upload.message and "split it" in upload.message
    assert not Path(upload.stored_path).exists()
    assert steps(upload) == ["stored", "check resumed", "check given up"]


def test_a_file_that_never_arrived_whole_is_failed_after_the_grace(
    client, people, organisations, settings, tmp_path
):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    partial = tmp_path / "uploads" / "1" / "extract.csv"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"Crime reference,Off")
    upload = Upload.objects.create(
        organisation=organisations["police"],
        uploaded_by=people["data_lead"],
        feed="police-crime",
        original_name="extract.csv",
        stored_path=str(partial),
        size=0,
        sha256="",  # what a web process killed while writing the file leaves
        status=Upload.Status.CHECKING,
    )
    upload_recovery.recover()  # not the worker's: no hash, so not yet checked
    upload_recovery.sweep(timezone.now() + upload_recovery.STORE_GRACE / 2)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.CHECKING
    upload_recovery.sweep(timezone.now() + upload_recovery.STORE_GRACE * 2)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and "did not arrive whole" in upload.message
    assert not partial.exists() and steps(upload) == ["store interrupted"]
