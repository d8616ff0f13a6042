"""Temporary tables: a query's result kept for the queries that follow it in one connection,
dropped when they are done (the assessment's narrowed copies, the people figures' rows in
scope). They live in the connection's own temporary schema, so a read-only snapshot can hold
them and no other reader sees them."""

from __future__ import annotations

import uuid

import ibis

__all__ = ["drop", "make"]


def make(backend: ibis.BaseBackend, expr: ibis.Table, prefix: str) -> ibis.Table:
    """``expr`` computed once into a temporary table named ``<prefix>_<random>``."""
    return backend.create_table(f"{prefix}_{uuid.uuid4().hex}", expr, temp=True)


def drop(backend: ibis.BaseBackend, table: ibis.Table) -> None:
    """Drop the temporary table ``make`` returned (nothing when it is gone already)."""
    # its name as Ibis gives it is qualified on DuckDB ("temp.main.<name>"): the last part
    name = table.get_name().rsplit(".", 1)[-1]
    # raw SQL: Ibis 12's drop_table writes a statement DuckDB cannot parse for a temporary table
    where = f'temp.main."{name}"' if backend.name == "duckdb" else f'"{name}"'
    backend.raw_sql(f"DROP TABLE IF EXISTS {where}")
