"""Uploads: a partner extract is checked against its feed and reported row by row, loaded in the
background by the task worker, its quarantined rows reviewed (and the review audited); a file
with identifiers is refused, a feed no agreement covers is blocked (even when posted by hand),
and one organisation never sees another's uploads.

The synthetic police-crime extract is made by svduty.synth and corrupted here at lines chosen
by the test, so the expected report comes from the test, not from svduty's own output.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conftest import held_by_another_process
from portal.conftest import csv_bytes, make_person
from portal.worker import run_queued_tasks
from svduty import cli, synth
from svduty.portal import uploads
from svduty.portal.models import Agreement, AuditEvent, Upload
from svduty.settings import Config

UNSAFE = "Jane Smyth's flat"  # a value that failed its check and could identify someone
ROWS = 120  # data rows kept from the synthetic month: enough for every kind of error below
# line in the file (the header is line 1) -> (column, bad value, the field the report names)
CORRUPT = {
    5: ("Recorded date", "2018-13-45", "Recorded date"),
    12: ("Victim age", "200", "Victim age"),
    20: ("Offence code", "ZZZ", "Offence code"),
    33: ("LSOA code", "E01999999", "LSOA code"),
    47: ("Crime reference", "", "Crime reference"),
    61: ("Latitude", "", "Longitude"),  # only one of the pair: the cross-field check
    # not a code and not caught by the identifier screen, so it may name someone: withheld
    88: ("Location type", UNSAFE, "Location type"),
}
RAGGED = 75  # a row with two fields missing
EXPECTED = {line: field for line, (_, _, field) in CORRUPT.items()} | {RAGGED: "(row)"}


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """The people fixtures hash passwords; argon2's cost is for attackers, not for tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A warehouse with the reference tables and a key (svduty init), and a synthetic month of
    police-crime records: (data directory, header, rows)."""
    root = tmp_path_factory.mktemp("uploads-home")
    cli.init(Config.from_env({"SVDUTY_HOME": str(root / "home")}))
    made = synth.generate(11, root / "synth", months=["2018-01"])
    (police,) = [f for f in made.files if f.feed == "police-crime"]
    text = gzip.decompress((root / "synth" / police.path).read_bytes()).decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return root / "home", header, rows[:ROWS]


@pytest.fixture
def warehouse_home(built, tmp_path, settings):
    """A copy of the built data directory for one test, which the portal reads (settings)."""
    home = tmp_path / "home"
    shutil.copytree(built[0], home)
    config = Config.from_env({"SVDUTY_HOME": str(home)})
    settings.CONFIG = config
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return config


def corrupted_file(header: list[str], rows: list[list[str]]) -> bytes:
    """The rows with the CORRUPT changes and the RAGGED row cut short, as CSV bytes."""
    rows = [list(r) for r in rows]
    for line, (column, value, _) in CORRUPT.items():
        rows[line - 2][header.index(column)] = value
    rows[RAGGED - 2] = rows[RAGGED - 2][:-2]
    return csv_bytes(header, rows)


def agreement(parties, feeds, *, owner=None, review_date=None, aggregate_only=False, **extra):
    a = Agreement.objects.create(
        title=extra.pop("title", "Crime and disorder data sharing agreement"),
        purpose="Preventing and reducing serious violence",
        legal_basis="s16",
        gdpr_basis="Article 6(1)(e)",
        data_categories="Recorded crime",
        feeds=list(feeds),
        aggregate_only=aggregate_only,
        retention="7 years",
        starts=date.today() - timedelta(days=365),
        review_date=review_date or date.today() + timedelta(days=365),
        owner=owner or parties[0],
        **extra,
    )
    a.parties.set(parties)
    return a


def upload_file(client, feed: str, name: str, content: bytes):
    return client.post(
        reverse("portal:upload-new"),
        {"feed": feed, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def run_worker() -> int:
    return run_queued_tasks("pytest")


def warehouse_loads(config: Config) -> list[tuple]:
    path = config.warehouse_url.removeprefix("duckdb://")
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(
            "SELECT load_id, file_name, loaded_by, rows_read, rows_loaded, "
            "rows_quarantined, status FROM loads WHERE source = 'police-crime' ORDER BY load_id"
        ).fetchall()


@pytest.fixture
def police_agreement(organisations):
    return agreement([organisations["police"], organisations["council"]], ["police-crime"])


@pytest.fixture
def checked(client, people, built, warehouse_home, police_agreement):
    """The corrupted extract uploaded and checked by the police data lead."""
    client.force_login(people["data_lead"])
    response = upload_file(
        client, "police-crime", "force-extract-2018-01.csv", corrupted_file(*built[1:])
    )
    upload = Upload.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "portal:upload", args=[upload.pk]
    )
    assert upload.status == Upload.Status.CHECKING  # the worker checks it, not the request
    run_worker()
    upload.refresh_from_db()
    return upload


@pytest.fixture
def loaded(client, checked):
    response = client.post(reverse("portal:upload-load", args=[checked.pk]))
    assert response.status_code == 302
    run_worker()
    checked.refresh_from_db()
    return checked


def test_the_report_lists_exactly_the_corrupted_rows(client, checked, built):
    header, rows = built[1:]
    assert checked.status == Upload.Status.RECEIVED
    report = checked.report
    assert report["rows_read"] == ROWS
    assert report["rows_quarantined"] == len(EXPECTED)
    assert report["rows_loadable"] == ROWS - len(EXPECTED)
    assert {e["line"]: e["field"] for e in report["errors"]} == EXPECTED
    by_line = {e["line"]: e for e in report["errors"]}
    assert by_line[12]["value"] == "200" and "120" in by_line[12]["reason"]
    assert by_line[33]["value"] == "E01999999"
    assert by_line[47]["withheld"] and by_line[47]["value"] is None  # an identifier column
    assert by_line[RAGGED]["withheld"]
    assert by_line[88]["withheld"] and by_line[88]["value"] is None
    assert by_line[20]["withheld"]  # 'ZZZ' is no offence code: shown only as withheld
    assert not any(UNSAFE in str(e) for e in report["errors"])
    # stored where no web server serves it, as received
    stored = Path(checked.stored_path)
    assert stored.parent == Path(uploads.settings.UPLOAD_ROOT) / str(checked.pk)
    assert stored.read_bytes() == corrupted_file(header, rows)
    page = client.get(reverse("portal:upload", args=[checked.pk])).content.decode()
    for line in EXPECTED:
        assert f"<td>{line}</td>" in page
    # no crime, victim or suspect reference of the file is ever shown
    refs = {header.index(h) for h in ("Crime reference", "Victim reference", "Suspect reference")}
    raw = {r[i] for r in rows for i in refs if i < len(r) and r[i]}
    assert raw and not any(value in page for value in raw)
    stored, checked_event = AuditEvent.objects.filter(action="upload").order_by("at", "pk")
    assert stored.detail["step"] == "stored" and checked_event.detail["step"] == "checked"
    for event in (stored, checked_event):
        assert event.username == "dale" and event.detail["upload"] == checked.pk
        assert event.detail["sha256"] == checked.sha256
    assert checked_event.detail["rows_quarantined"] == len(EXPECTED)


def test_confirming_loads_in_the_background_and_reconciles(client, checked, warehouse_home):
    assert warehouse_loads(warehouse_home) == []
    client.post(reverse("portal:upload-load", args=[checked.pk]))
    checked.refresh_from_db()
    assert checked.status == Upload.Status.QUEUED
    task = DBTaskResult.objects.get(task_path__endswith="ingest_upload")
    assert task.task_path == "svduty.portal.tasks.ingest_upload" and str(task.id) == checked.task_id
    page = client.get(reverse("portal:upload", args=[checked.pk])).content.decode()
    assert "portal/progress.js" in page and "<progress" in page
    status = client.get(reverse("portal:upload-status", args=[checked.pk])).json()
    assert status == {"status": "queued", "label": "waiting to load", "progress": 0,
                      "finished": False}  # fmt: skip

    run_worker()
    checked.refresh_from_db()
    assert checked.status == Upload.Status.LOADED and checked.progress == 100
    assert checked.rows_read == checked.rows_loaded + checked.rows_quarantined == ROWS
    assert checked.rows_quarantined == len(EXPECTED)
    ((load_id, name, by, read, loaded, quarantined, status),) = warehouse_loads(warehouse_home)
    assert str(load_id) == checked.load_id and status == "loaded"
    assert name == "force-extract-2018-01.csv" and by.startswith("dale (")
    assert (read, loaded, quarantined) == (ROWS, ROWS - len(EXPECTED), len(EXPECTED))
    # the raw references live on only as tokens in the warehouse: the received file is gone
    assert not Path(checked.stored_path).exists()
    ingest = AuditEvent.objects.get(action="ingest")
    assert ingest.user.username == "dale" and ingest.detail["load_id"] == checked.load_id
    page = client.get(reverse("portal:upload", args=[checked.pk])).content.decode()
    assert "http-equiv" not in page
    # the loads history has the upload and the warehouse's load, linked
    history = client.get(reverse("portal:uploads")).content.decode()
    assert f"<td>{load_id}</td>" in history
    assert history.count(reverse("portal:upload", args=[checked.pk])) >= 2
    # a second confirmation queues nothing
    client.post(reverse("portal:upload-load", args=[checked.pk]))
    assert DBTaskResult.objects.filter(task_path__endswith="ingest_upload").count() == 1


def test_the_quarantine_page_lists_the_bad_rows_and_is_audited(client, people, loaded):
    url = reverse("portal:upload-quarantine", args=[loaded.pk])
    assert client.get(url).status_code == 403  # a data lead may not see record-level rows
    client.force_login(people["analyst"])
    page = client.get(url).content.decode()
    for line, field in EXPECTED.items():
        assert f"<tr><td>{line}</td><td>{field}</td>" in page
    # a value that failed its check is shown as withheld, never as sent
    assert "Jane Smyth" not in page and "(withheld)" in page
    event = AuditEvent.objects.get(action="restricted_view")
    assert event.username == "ana" and event.detail["load_id"] == loaded.load_id
    assert event.detail["rows_shown"] == len(EXPECTED)


@pytest.mark.parametrize(
    ("column", "value"),
    [("Offence code", "943 476 5919"), ("LSOA code", "BS1 4DJ"), ("Recorded date", "BS1 4DJ")],
)
def test_an_identifier_in_a_coded_column_refuses_the_file_without_repeating_it(
    client, people, built, warehouse_home, police_agreement, column, value
):
    header, rows = built[1:]
    rows = [list(r) for r in rows[:5]]
    rows[2][header.index(column)] = value
    client.force_login(people["data_lead"])
    upload_file(client, "police-crime", "extract.csv", csv_bytes(header, rows))
    run_worker()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.REFUSED
    assert (
        f"line 4, column '{column.lower()}'" in upload.message.lower()
        and value not in upload.message
    )
    page = client.get(reverse("portal:upload", args=[upload.pk])).content.decode()
    assert value not in page and value.replace(" ", "") not in page


def test_a_file_with_an_nhs_number_column_is_refused_and_nothing_is_loaded(
    client, people, built, warehouse_home, police_agreement
):
    header, rows = built[1:]
    content = csv_bytes([*header, "NHS number"], [[*r, "9434765919"] for r in rows[:5]])
    client.force_login(people["data_lead"])
    upload_file(client, "police-crime", "extract.csv", content)
    run_worker()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.REFUSED and "NHS number" in upload.message
    page = client.get(reverse("portal:upload", args=[upload.pk])).content.decode()
    assert "refused" in page and "9434765919" not in page
    client.post(reverse("portal:upload-load", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == Upload.Status.REFUSED
    assert not DBTaskResult.objects.filter(task_path__endswith="ingest_upload").exists()
    assert warehouse_loads(warehouse_home) == []
    # the file as received (with its NHS numbers) is not kept; its hash and report are
    assert not Path(upload.stored_path).exists() and len(upload.sha256) == 64


def test_a_feed_no_agreement_covers_is_blocked_with_why_and_who(client, people, organisations):
    council = organisations["council"]
    agreement(
        [organisations["police"], council],
        ["police-crime"],
        owner=council,
        title="Police data agreement",
        review_date=date.today() - timedelta(days=1),
    )
    client.force_login(people["data_lead"])
    page = client.get(reverse("portal:upload-new")).content.decode()
    assert 'value="police-crime"' not in page  # not offered
    assert "Police data agreement" in page and "passed its review date" in page
    assert "Somerset Council answers for this agreement" in page  # who can fix it
    response = upload_file(client, "police-crime", "extract.csv", b"Crime reference\nX\n")
    assert response.status_code == 200 and "passed its review date" in response.content.decode()
    assert not Upload.objects.exists()
    refused = AuditEvent.objects.get(action="refused")
    assert refused.detail["feed"] == "police-crime"


def test_health_records_need_an_agreement_that_allows_more_than_aggregates(client, organisations):
    icb = organisations["icb"]
    lead = make_person("hana", "data_lead", icb)
    agreement([icb], ["ed-assaults", "hospital-admissions"], aggregate_only=True, title="ICB")
    assert uploads.may_share(icb, "hospital-admissions").ok
    permit = uploads.may_share(icb, "ed-assaults")
    assert not permit.ok and "s16(4)" in permit.reason
    client.force_login(lead)
    page = client.get(reverse("portal:upload-new")).content.decode()
    assert 'value="hospital-admissions"' in page and 'value="ed-assaults"' not in page
    assert "s16(4)" in page


def test_another_organisations_upload_is_not_found(client, people, organisations, checked):
    other = make_person("cora", "data_lead", organisations["council"])
    client.force_login(other)
    assert client.get(reverse("portal:upload", args=[checked.pk])).status_code == 404
    assert client.post(reverse("portal:upload-load", args=[checked.pk])).status_code == 404
    assert client.get(reverse("portal:uploads")).content.decode().count("Upload 1<") == 0
    checked.refresh_from_db()
    assert checked.status == Upload.Status.RECEIVED
    client.force_login(people["analyst"])  # analysts see every organisation's
    assert client.get(reverse("portal:upload", args=[checked.pk])).status_code == 200


@pytest.mark.parametrize(
    ("name", "limit", "error"),
    [("extract.xlsx", None, "must be a CSV file"), ("extract.csv", 10, "must be smaller than")],
)
def test_only_csv_files_under_the_size_limit_are_taken(
    client, people, police_agreement, settings, tmp_path, name, limit, error
):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    if limit:
        settings.SVDUTY_UPLOAD_MAX_BYTES = limit
    client.force_login(people["data_lead"])
    response = upload_file(client, "police-crime", name, b"Crime reference,Offence code\n1,8N\n")
    assert error in response.content.decode()
    assert not Upload.objects.exists() and not (tmp_path / "uploads").exists()


def test_progress_updates_without_reloading_the_page(client, people, organisations, tmp_path):
    upload = Upload.objects.create(
        organisation=organisations["police"],
        uploaded_by=people["data_lead"],
        feed="police-crime",
        original_name="x.csv",
        stored_path=str(tmp_path / "x.csv"),
        size=1,
        sha256="0" * 64,
        status=Upload.Status.LOADING,
        progress=50,
    )
    client.force_login(people["data_lead"])
    url = reverse("portal:upload", args=[upload.pk])
    page = client.get(url).content.decode()
    assert '<progress id="load-progress" max="100" value="50">50%</progress>' in page
    # no meta refresh (WCAG 2.2.1): a script polls the status and the words are announced
    assert "50% done" in page and "http-equiv" not in page and 'aria-live="polite"' in page
    status_url = reverse("portal:upload-status", args=[upload.pk])
    assert f'data-status-url="{status_url}"' in page
    assert client.get(status_url).json()["progress"] == 50
    upload.status, upload.progress = Upload.Status.LOADED, 100
    upload.save()
    assert client.get(status_url).json()["finished"] is True
    assert "portal/progress.js" not in client.get(url).content.decode()


def test_with_no_agreement_no_feed_is_offered_and_each_says_why(client, people):
    client.force_login(people["data_lead"])
    page = client.get(reverse("portal:upload-new")).content.decode()
    assert 'type="radio"' not in page and 'type="file"' not in page
    assert page.count("No data sharing agreement lets") == len(uploads.FEEDS)


def test_a_file_changed_after_checking_is_not_loaded(client, checked, warehouse_home):
    Path(checked.stored_path).write_bytes(b"Crime reference\nsomething else\n")
    client.post(reverse("portal:upload-load", args=[checked.pk]))
    run_worker()
    checked.refresh_from_db()
    assert checked.status == Upload.Status.FAILED and "changed" in checked.message
    assert warehouse_loads(warehouse_home) == []
    assert AuditEvent.objects.get(action="ingest").detail["status"] == "failed"


def test_only_the_uploading_organisation_confirms_a_load(client, people, checked):
    client.force_login(people["analyst"])  # sees every upload, but is not the police
    page = client.get(reverse("portal:upload", args=[checked.pk])).content.decode()
    assert reverse("portal:upload-load", args=[checked.pk]) not in page
    assert client.post(reverse("portal:upload-load", args=[checked.pk])).status_code == 403
    checked.refresh_from_db()
    assert checked.status == Upload.Status.RECEIVED
    assert not DBTaskResult.objects.filter(task_path__endswith="ingest_upload").exists()


def test_pages_read_the_warehouse_while_a_load_holds_it(client, people, loaded, warehouse_home):
    """Another process holding the warehouse read-write, as the worker does while loading: the
    page reads the snapshot published by the last load (it used to say the warehouse was busy,
    and a load begun while a page read failed on DuckDB's lock)."""
    path = warehouse_home.warehouse_url.removeprefix("duckdb://")
    client.force_login(people["analyst"])
    with held_by_another_process(path, read_only=False):
        response = client.get(reverse("portal:uploads"))
    page = response.content.decode()
    assert response.status_code == 200 and "busy" not in page
    assert "Loads of partner feeds, newest first" in page and loaded.original_name in page
