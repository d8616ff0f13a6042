"""DuckDB warehouses are read through published snapshots (docs/concurrency.md): a reader never
opens the file a writer holds, so neither waits for the other; writers wait for each other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import held_by_another_process
from svduty.warehouse import WarehouseBusy, WarehouseMissing, connect, snapshots


def _write(url: str, sql: str) -> int:
    """One write session; returns the snapshot it published."""
    wh = connect(url)
    with wh.transaction() as tx:
        tx.execute(sql)
    wh.close()
    return wh.snapshot


@pytest.fixture
def made(tmp_path) -> tuple[str, Path]:
    """A warehouse made and published by one write session, with a table of one row."""
    path = tmp_path / "w.duckdb"
    url = f"duckdb:///{path}"
    _write(url, "CREATE TABLE t AS SELECT 1 AS a")
    return url, path


def _rows(wh) -> int:
    return wh._raw.execute("SELECT count(*) FROM t").fetchone()[0]


def test_a_write_session_publishes_what_it_committed_and_readers_open_that(made):
    url, path = made
    assert [p.name for p in snapshots.folder(path).iterdir()] == ["1.duckdb"]
    assert _write(url, "INSERT INTO t VALUES (2)") == 2
    reader = connect(url, read_only=True)
    try:
        assert reader.snapshot == 2 and _rows(reader) == 2
    finally:
        reader.close()


def test_a_write_session_that_changed_nothing_publishes_nothing(made):
    url, path = made
    connect(url).close()  # schema already there: a no-op session (as `svduty init` run again)
    assert [p.name for p in snapshots.folder(path).iterdir()] == ["1.duckdb"]


def test_readers_read_beside_a_process_writing_the_warehouse(made):
    """The defect: a page opening the warehouse while a load held it failed on DuckDB's lock."""
    url, path = made
    with held_by_another_process(path, read_only=False):
        reader = connect(url, read_only=True)
        try:
            assert _rows(reader) == 1
        finally:
            reader.close()


def test_a_reader_keeps_reading_its_snapshot_after_newer_ones_replace_it(made):
    url, path = made
    reader = connect(url, read_only=True)
    try:
        for value in (2, 3):
            _write(url, f"INSERT INTO t VALUES ({value})")
        names = sorted(p.name for p in snapshots.folder(path).iterdir())
        assert names == ["2.duckdb", "3.duckdb"]  # the newest KEEP; the reader's one deleted
        assert reader.snapshot == 1 and _rows(reader) == 1  # what it had open, whole
    finally:
        reader.close()


def test_a_reader_chooses_again_when_its_snapshot_is_deleted_before_it_opens_it(made, monkeypatch):
    url, path = made
    real = snapshots.newest
    gone = iter([(7, snapshots.folder(path) / "7.duckdb")])  # listed, then pruned away
    monkeypatch.setattr(snapshots, "newest", lambda p: next(gone, None) or real(p))
    reader = connect(url, read_only=True)
    try:
        assert reader.snapshot == 1 and _rows(reader) == 1
    finally:
        reader.close()


def test_a_copy_left_by_a_crashed_publish_is_never_read_and_is_cleared(made):
    url, path = made
    torn = snapshots.folder(path) / ".2.duckdb.partial"
    torn.write_bytes(b"half a copy")
    reader = connect(url, read_only=True)
    assert reader.snapshot == 1
    reader.close()
    assert _write(url, "INSERT INTO t VALUES (2)") == 2
    assert not torn.exists()


def test_a_second_writer_waits_for_the_first_and_says_so(made):
    url, path = made
    said: list[str] = []
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); "
         "time.sleep(1.5)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        wh = connect(url, wait=120, on_wait=said.append)  # gets it once the holder exits
        wh.close()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    (message,) = said
    assert f"Another process is writing the warehouse at {path}" in message


def test_a_writer_gives_up_after_its_wait_with_a_clear_message(made):
    url, path = made
    gave_up = r"still writing after 0\.5 s; run this again"
    with (
        held_by_another_process(path, read_only=False),
        pytest.raises(WarehouseBusy, match=gave_up),
    ):
        connect(url, wait=0.5, on_wait=lambda message: None)


def test_a_warehouse_never_published_is_read_directly_until_its_first_write_ends(tmp_path):
    """A warehouse made before snapshots (or during its first `svduty init`) has none."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    url = f"duckdb:///{path}"
    reader = connect(url, read_only=True)
    assert reader.snapshot is None and _rows(reader) == 1
    reader.close()
    unpublished = "has not been published for reading yet"
    with (
        held_by_another_process(path, read_only=False),
        pytest.raises(WarehouseBusy, match=unpublished),
    ):
        connect(url, read_only=True)
    connect(url).close()  # the first write session with this version publishes it
    reader = connect(url, read_only=True)
    assert reader.snapshot == 1 and _rows(reader) == 1
    reader.close()


def test_a_deleted_warehouse_is_missing_whatever_snapshots_are_left(made):
    url, path = made
    path.unlink()  # deleted to start again
    with pytest.raises(WarehouseMissing, match="svduty init"):
        connect(url, read_only=True)


def test_another_process_reads_the_snapshot_a_reader_has_open_even_after_a_newer_one(made):
    """The assessment's second process (products.assessment.alongside) must read what the first
    reads: the URL names the reader's snapshot, not the newest."""
    url, _path = made
    reader = connect(url, read_only=True)
    try:
        seen = reader.snapshot_url()
        assert _write(url, "INSERT INTO t VALUES (2)") == 2
        other = connect(seen, read_only=True)
        try:
            assert _rows(other) == _rows(reader) == 1
        finally:
            other.close()
    finally:
        reader.close()
    newer = connect(url, read_only=True)
    try:
        assert newer.snapshot_url() != seen
    finally:
        newer.close()


def test_only_a_reader_of_a_published_snapshot_has_a_snapshot_url(made, tmp_path):
    url, _ = made
    writer = connect(url)
    try:
        assert writer.snapshot_url() is None
    finally:
        writer.close()
    memory = connect("duckdb://")
    try:
        assert memory.snapshot_url() is None
    finally:
        memory.close()
    never = tmp_path / "never.duckdb"  # made directly, never published: read as it is
    duckdb.connect(str(never)).close()
    direct = connect(f"duckdb:///{never}", read_only=True)
    try:
        assert direct.snapshot is None and direct.snapshot_url() is None
    finally:
        direct.close()
