"""Idempotency, replacement of republished months, and crash consistency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import AS_STREET, street_text, write_variant
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk

JAN = AS_STREET / "2018-01-avon-and-somerset-street.csv.gz"
FEB = AS_STREET / "2018-02-avon-and-somerset-street.csv.gz"
FEB_ROWS = len(street_text("2018-02").splitlines()) - 1  # counted from the raw file


def snapshot(wh) -> dict:
    return {
        name: wh.table(name).order_by(wh.table(name).columns).execute().to_csv(index=False)
        for name in ("loads", "quarantine", "police_uk_street")
    }


def test_loading_the_same_file_twice_changes_nothing(warehouse):
    ingest_police_uk(warehouse, [JAN], loaded_by="test")
    before = snapshot(warehouse)
    (again,) = ingest_police_uk(warehouse, [JAN], loaded_by="test")
    assert again.status == "unchanged"
    assert snapshot(warehouse) == before


def test_a_newer_release_of_a_month_replaces_the_older(warehouse, tmp_path):
    ingest_police_uk(warehouse, [JAN, FEB], loaded_by="test")
    rows = street_text().split("\r\n")
    newer = "\r\n".join([*rows[:-101], ""])  # the republished month lost 100 rows
    (r,) = ingest_police_uk(
        warehouse,
        [write_variant(tmp_path, "2018-01-avon-and-somerset-street.csv", newer)],
        loaded_by="test",
    )
    assert r.status == "replaced" and r.replaced_load_id == 1
    t = warehouse.table("police_uk_street")
    by_load = dict(t.group_by("load_id").aggregate(n=t.count()).execute().values.tolist())
    assert by_load == {2: FEB_ROWS, r.load_id: len(rows) - 102}
    loads = warehouse.table("loads").order_by("load_id").execute()
    assert loads.loc[0, "superseded_by_load_id"] == r.load_id
    assert loads.loc[2, "replaces_load_id"] == 1


def test_killed_mid_load_leaves_the_warehouse_as_it_was_and_the_rerun_completes(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    wh = connect(url)
    ingest_police_uk(wh, [JAN], loaded_by="test")
    before = snapshot(wh)
    wh.close()

    marker = tmp_path / "paused"
    env = dict(
        os.environ,
        SVDUTY_WAREHOUSE_URL=url,
        SVDUTY_HOME=str(tmp_path),
        SVDUTY_FAULT_PAUSE_BEFORE_COMMIT=str(marker),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "svduty", "ingest", "police-uk", str(FEB), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the load never reached its commit"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()

    wh = connect(url)
    assert snapshot(wh) == before
    (r,) = ingest_police_uk(wh, [FEB], loaded_by="test")
    assert r.status == "loaded" and r.rows_loaded == FEB_ROWS
    wh.close()
