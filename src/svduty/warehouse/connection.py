"""One warehouse, opened from one URL, read through Ibis and written in transactions."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv

from svduty.warehouse import schema


class Warehouse:
    """An Ibis connection plus the one write path (bulk insert inside a transaction)."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("duckdb://"):
            path = url.removeprefix("duckdb://") or ":memory:"
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.kind = "duckdb"
            self.ibis = ibis.duckdb.connect(path)
        elif url.startswith(("postgres://", "postgresql://")):
            self.kind = "postgres"
            self.ibis = ibis.connect(url.replace("postgresql://", "postgres://", 1))
        else:
            raise ValueError(
                f"warehouse URL {url!r} is neither duckdb:///path nor postgres://...; "
                "set SVDUTY_WAREHOUSE_URL"
            )
        self.ensure_schema()

    def ensure_schema(self) -> None:
        with self.transaction() as tx:
            for name in schema.TABLES:
                tx.execute(schema.ddl(name))

    def table(self, name: str) -> ibis.Table:
        return self.ibis.table(name)

    def has_table(self, name: str) -> bool:
        return name in self.ibis.list_tables()

    def replace_table(self, name: str, data: pa.Table) -> None:
        """Replace a whole table in one transaction (reference data is reloaded whole)."""
        columns = ", ".join(f"{f.name} {_sql_type(f.type)}" for f in data.schema)
        with self.transaction() as tx:
            tx.execute(f"DROP TABLE IF EXISTS {name}")
            tx.execute(f"CREATE TABLE {name} ({columns})")
            tx.insert(name, data)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        raw = self.ibis.con
        if self.kind == "duckdb":
            raw.begin()
            try:
                yield Transaction(self, raw)
            except BaseException:
                raw.rollback()
                raise
            raw.commit()
        else:
            with raw.transaction(), raw.cursor() as cur:
                yield Transaction(self, cur)

    def close(self) -> None:
        self.ibis.disconnect()


class Transaction:
    """SQL and bulk inserts inside one open transaction. SQL uses `?` placeholders."""

    def __init__(self, warehouse: Warehouse, cursor):
        self._wh = warehouse
        self._cur = cursor

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self._wh.kind == "postgres":
            sql = sql.replace("?", "%s")
            self._cur.execute(sql, params)
            return self._cur.fetchall() if self._cur.description else []
        result = self._cur.execute(sql, params)
        return result.fetchall() if result.description else []

    def next_load_id(self) -> int:
        """The id for a new `loads` row, taken under a lock so two loaders never share one."""
        if self._wh.kind == "postgres":  # DuckDB already has a single writer per file
            self.execute("LOCK TABLE loads IN EXCLUSIVE MODE")
        return int(self.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads")[0][0])

    def insert(self, name: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        cols = ", ".join(data.column_names)
        if self._wh.kind == "duckdb":
            self._cur.register("_svduty_incoming", data)
            try:
                self._cur.execute(
                    f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _svduty_incoming"
                )
            finally:
                self._cur.unregister("_svduty_incoming")
            return
        # PostgreSQL: COPY is the bulk path. Arrow quotes every string and leaves nulls bare,
        # which is exactly how COPY's CSV format tells empty strings from NULL.
        buf = io.BytesIO()
        pacsv.write_csv(data, buf, pacsv.WriteOptions(include_header=False))
        with self._cur.copy(f"COPY {name} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buf.getvalue())


def connect(url: str) -> Warehouse:
    return Warehouse(url)


_SQL_TYPES = {
    pa.string(): "TEXT",
    pa.large_string(): "TEXT",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.int16(): "SMALLINT",
    pa.int8(): "SMALLINT",
    pa.float64(): "DOUBLE PRECISION",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def _sql_type(arrow_type: pa.DataType) -> str:
    try:
        return _SQL_TYPES[arrow_type]
    except KeyError:
        raise TypeError(f"no warehouse column type for Arrow type {arrow_type}") from None
