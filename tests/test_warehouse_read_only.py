"""A warehouse opened read-only (the portal's pages, beside the upload worker): reads work,
writes are refused, nothing is created, and several readers can share one DuckDB file."""

from __future__ import annotations

import duckdb
import psycopg
import pytest

from svduty.warehouse import WarehouseMissing, connect


def test_a_read_only_duckdb_reads_and_refuses_writes(duckdb_url):
    connect(duckdb_url).close()  # made by a writer first, with its schema
    one, two = connect(duckdb_url, read_only=True), connect(duckdb_url, read_only=True)
    try:
        assert one.table("loads").count().execute() == 0
        assert two.has_table("loads")
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            one._raw.execute("CREATE TABLE x (a INTEGER)")
    finally:
        one.close()
        two.close()


def test_a_read_only_duckdb_creates_no_file_and_says_how_to_make_one(tmp_path):
    path = tmp_path / "missing" / "w.duckdb"
    with pytest.raises(WarehouseMissing, match="svduty init") as missing:
        connect(f"duckdb:///{path}", read_only=True)
    assert f"no warehouse at {path} yet" in str(missing.value)
    assert not (tmp_path / "missing").exists()


@pytest.mark.postgres
def test_a_read_only_postgres_session_refuses_writes(pg_url):
    connect(pg_url).close()
    wh = connect(pg_url, read_only=True)
    try:
        assert wh.has_table("loads")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            wh._raw.execute("CREATE TABLE x (a INTEGER)")
    finally:
        wh.close()
