"""The warehouse queries of the foundation give the same answers on PostgreSQL as on DuckDB."""

from __future__ import annotations

import pytest

from conftest import AS_STREET
from svduty.analysis.police_summary import violence_summary
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference
from svduty.warehouse.status import coverage, quarantine_by_reason

FILES = [AS_STREET / f"2019-{m}-avon-and-somerset-street.csv.gz" for m in ("06", "08")]


def run_all(url: str) -> dict:
    wh = connect(url)
    try:
        load_reference(wh, loaded_by="test")
        first = ingest_police_uk(wh, FILES, loaded_by="test")
        again = ingest_police_uk(wh, FILES[:1], loaded_by="test")
        return {
            "first": [(r.status, r.rows_read, r.rows_loaded) for r in first],
            "again": [r.status for r in again],
            "coverage": coverage(wh),
            "quarantine": quarantine_by_reason(wh),
            "summary": violence_summary(wh, force="avon-and-somerset", pfa_code="E23000036"),
        }
    finally:
        wh.close()


@pytest.mark.postgres
def test_postgres_and_duckdb_agree(pg_url, duckdb_url):
    on_pg, on_duck = run_all(pg_url), run_all(duckdb_url)
    assert on_pg == on_duck
    assert on_pg["again"] == ["unchanged"]
    assert on_pg["coverage"][0]["missing_months"] == ["2019-07"]
    somerset = [r for r in on_pg["summary"] if r["area_code"] == "E06000066"]
    assert {r["year"] for r in somerset} == {2019} and all(r["months"] == 2 for r in somerset)
