# ruff: noqa: F811  (the fixtures imported from test_uploads are parameters here)
"""The background check reads an upload a part at a time (sources.feedstream) and gets exactly
what reading the whole file gets: the same rows on the same lines, the same report; a gzip that
would inflate past the limit is refused before it is inflated, with what to do about it.

The memory this saves is measured by benchmarks/bench_upload_check.py (docs/benchmarks.md).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from portal.conftest import csv_bytes
from portal.test_uploads import (  # noqa: F401  (fixtures)
    built,
    corrupted_file,
    police_agreement,
    quick_passwords,
    run_worker,
    upload_file,
    warehouse_home,
)
from svduty.portal import uploads
from svduty.portal.models import Upload
from svduty.sources import feed as feed_framework
from svduty.sources import feedstream
from svduty.sources.errors import FileRefused
from svduty.sources.feeds import FEEDS

POLICE = FEEDS["police-crime"]


def tokenise(value):
    return None if value is None else f"tok:{value}"


def awkward_file(header, rows) -> bytes:
    """The corrupted extract with what makes cutting it into parts hard: a byte-order mark, CRLF
    line endings, blank lines, and quoted values holding line feeds, commas and quotes."""
    rows = [list(r) for r in rows]
    code = header.index("Offence code")
    for n in range(3, len(rows), 17):
        rows[n][code] = f'8N\n"{n}",\r\nx'  # a value over three lines (quarantined: bad code)
    text = csv_bytes(header, rows).replace(b"\n", b"\r\n")
    lines = text.split(b"\r\n")
    lines[40:40] = [b"", b""]  # blank lines are skipped, but still counted
    return b"\xef\xbb\xbf" + b"\r\n".join(lines)


def whole(path: Path) -> feed_framework.FeedFile:
    return feed_framework.read(path, POLICE, tokenise)


def in_parts(path: Path, part_bytes: int, max_bytes: int = 2**30):
    reader = feedstream.PartReader(
        path, POLICE, tokenise, max_bytes=max_bytes, part_bytes=part_bytes
    )
    parts = list(reader)
    return reader, parts


@pytest.mark.parametrize("part_bytes", [300, 4096, 1 << 24])
@pytest.mark.parametrize("compress", [False, True])
def test_reading_in_parts_reads_what_reading_whole_does(built, tmp_path, part_bytes, compress):
    content = awkward_file(*built[1:])
    path = tmp_path / ("extract.csv.gz" if compress else "extract.csv")
    path.write_bytes(gzip.compress(content) if compress else content)
    expected = whole(path)
    reader, parts = in_parts(path, part_bytes)
    assert (len(parts) > 1) == (part_bytes < len(content))  # the small sizes do cut the file
    rows = pa.concat_tables([p.rows for p in parts])
    ragged = pa.concat_tables([p.ragged for p in parts])
    assert rows.to_pylist() == expected.rows.to_pylist()  # values, tokens and lines
    assert ragged.to_pylist() == expected.ragged.to_pylist()
    assert reader.rows_read == expected.rows_read and reader.sha256 == expected.sha256
    assert rows.column("line").to_pylist()[-1] > len(built[2]) + 1  # lines, not records


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"  \n\n  ", "empty"),
        (b"PK\x03\x04rest of a workbook", "not_csv"),
        (b"Crime reference,Offence code\n", "wrong_header"),
        (b"Crime reference,NHS number\n1,9434765919\n", "identifier_column"),
    ],
)
def test_a_file_refused_whole_is_refused_alike(tmp_path, content, code):
    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused) as read_whole:
        whole(path)
    with pytest.raises(FileRefused) as read_in_parts:
        in_parts(path, 300)
    assert read_in_parts.value.code == read_whole.value.code == code


def test_a_bad_byte_is_refused_with_its_line_in_a_later_part(built, tmp_path):
    header, rows = built[1:]
    content = bytearray(csv_bytes(header, rows))
    at = content.index(b"\n", len(content) // 2) + 3  # inside the line after the middle
    content[at] = 0xE9  # a Windows-1252 e-acute
    path = tmp_path / "extract.csv"
    path.write_bytes(bytes(content))
    with pytest.raises(FileRefused) as read_whole:
        whole(path)
    with pytest.raises(FileRefused) as read_in_parts:
        in_parts(path, 500)
    assert read_in_parts.value.reason == read_whole.value.reason
    line = content[:at].count(b"\n") + 1
    assert f"line {line} " in read_in_parts.value.reason


def test_a_gzip_that_says_it_inflates_too_far_is_refused_before_inflating(built, tmp_path):
    header, rows = built[1:]
    content = csv_bytes(header, rows * 40)
    path = tmp_path / "extract.csv.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(FileRefused) as refused:
        list(feedstream.PartReader(path, POLICE, tokenise, max_bytes=len(content) - 1))
    assert refused.value.code == "too_large" and "split it" in refused.value.reason


def test_a_gzip_whose_trailer_understates_it_is_refused_once_past_the_limit(built, tmp_path):
    """Two gzip members: the trailer is the last member's (tiny), the first inflates far."""
    header, rows = built[1:]
    big = csv_bytes(header, rows * 200)
    path = tmp_path / "extract.csv.gz"
    path.write_bytes(gzip.compress(big) + gzip.compress(b"\n"))
    limit = len(big) // 10
    reader = feedstream.PartReader(path, POLICE, tokenise, max_bytes=limit, part_bytes=limit // 4)
    with pytest.raises(FileRefused) as refused:
        list(reader)
    assert refused.value.code == "too_large"
    assert reader.position < path.stat().st_size  # it stopped, not read to the end


def test_the_report_of_a_file_checked_in_parts_is_the_whole_files(
    client, people, built, warehouse_home, police_agreement, monkeypatch
):
    content = awkward_file(*built[1:])
    monkeypatch.setattr(feedstream, "PART_BYTES", 700)
    client.force_login(people["data_lead"])
    upload_file(client, "police-crime", "extract.csv", content)
    run_worker()
    upload = Upload.objects.get()
    path = Path(upload.stored_path)
    read = whole(path)  # the portal's own token function differs: compare what it does not touch
    checked = feed_framework.validate(POLICE, read)
    expected = uploads.report_of(POLICE, read, checked)
    report = upload.report
    assert upload.status == Upload.Status.RECEIVED and upload.progress == 100
    for key in ("rows_read", "rows_loadable", "rows_quarantined", "by_reason", "covers",
                "period_start", "period_end", "synthetic", "content_sha256"):  # fmt: skip
        assert report[key] == expected[key], key
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (e["line"], e["field"]) for e in expected["errors"]
    ]


def test_an_upload_that_inflates_too_far_is_refused_and_deleted(
    client, people, built, warehouse_home, police_agreement, settings
):
    header, rows = built[1:]
    content = csv_bytes(header, rows * 50)
    settings.SVDUTY_UPLOAD_MAX_DECOMPRESSED_BYTES = len(content) // 2
    client.force_login(people["data_lead"])
    upload_file(client, "police-crime", "extract.csv.gz", gzip.compress(content))
    run_worker()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.REFUSED
    assert "once decompressed" in upload.message and "split it" in upload.message
    assert upload.report == {"refused_code": "too_large"}
    assert not Path(upload.stored_path).exists()


def test_the_page_shows_the_check_in_progress(client, people, built, warehouse_home,
                                              police_agreement):  # fmt: skip
    client.force_login(people["data_lead"])
    response = upload_file(client, "police-crime", "extract.csv", csv_bytes(*built[1:]))
    page = client.get(response.url).content.decode()
    assert "Checking the file" in page and "portal/progress.js" in page
    assert "http-equiv" not in page and 'aria-live="polite"' in page
    upload = Upload.objects.get()
    status = client.get(f"/uploads/{upload.pk}/status.json").json()
    assert status["status"] == "checking" and status["finished"] is False
    run_worker()
    assert client.get(f"/uploads/{upload.pk}/status.json").json()["finished"] is True
    assert "portal/progress.js" not in client.get(response.url).content.decode()
